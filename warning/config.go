package warning

import (
	"context"
	"maps"
	"slices"
	"time"

	"dispatchd/notify"
)

// The settings of warnings. Each setter is called once, before the service
// is used.

// Codes looks up a one-tap answer code by its hash (notify.HashCode); the
// outbox store implements it. Code answers not_found for an unknown hash.
type Codes = notify.CodeBook

// SetChannels names the channels each recipient is sent a message by
// (notify.SMS, notify.Webhook), one message per channel. With none, a
// warning's recipients are listed and answer by console only.
func (s *Service) SetChannels(channels ...string) {
	s.channels = slices.Compact(slices.Clone(channels))
}

// SetCodes sets where one-tap codes are looked up; until it is called,
// ShowCode and AnswerCode answer unavailable.
func (s *Service) SetCodes(c Codes) { s.codes = c }

// SetRegionNames sets how summaries and notices name a region
// (regions.Service.Name); "" leaves the code.
func (s *Service) SetRegionNames(name func(code string) string) { s.regionName = name }

// SetCover sets how an area given by a polygon alone finds the regions it
// covers (regions.Service.Cover); ok false means no boundaries are loaded.
// Until it is called, such an area is refused.
func (s *Service) SetCover(cover func(ctx context.Context, ring [][2]float64) (codes []string, ok bool, err error)) {
	s.cover = cover
}

// SetAnswerWithin overrides the answer deadlines of DefaultAnswerWithin
// for the levels it names.
func (s *Service) SetAnswerWithin(byLevel map[string]time.Duration) {
	m := maps.Clone(DefaultAnswerWithin)
	for l, d := range byLevel {
		if d > 0 {
			m[l] = d
		}
	}
	s.answerWithin = m
}

// SetClock sets the clock the service reads (tests move it past
// deadlines); times are kept in UTC to the microsecond.
func (s *Service) SetClock(now func() time.Time) {
	s.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}

// deadlineOf returns the answer deadline of a level: the service's
// setting, else DefaultAnswerWithin, else an hour.
func (s *Service) deadlineOf(level string) time.Duration {
	if d, ok := s.answerWithin[level]; ok {
		return d
	}
	if d, ok := DefaultAnswerWithin[level]; ok {
		return d
	}
	return time.Hour
}

func (s *Service) name(code string) string {
	if s.regionName != nil {
		if n := s.regionName(code); n != "" {
			return n
		}
	}
	return code
}
