// Package replay reads a window of the past for the large screen's replay:
// the events an actor may see, in the order they were committed, and the
// tracks of the teams of its jurisdiction, thinned so that a busy hour
// stays small.
package replay

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/realtime"
	"dispatchd/resources"
)

// Bounds of a window.
const (
	// MaxSpan is the longest window one request may ask for.
	MaxSpan = time.Hour
	// MaxEvents is the most events one answer holds; past it the answer
	// says More and where the next one starts.
	MaxEvents = 2000
	// maxScanned bounds the events read for one answer, seen or not, so
	// that an actor of a small jurisdiction in a busy deployment does not
	// make one request read a whole hour of a province.
	maxScanned = 20_000
	// Step is the least time between two points of a thinned track.
	Step = 5 * time.Second
	// maxFixes bounds the fixes read per team before thinning: one a
	// second for an hour, with room.
	maxFixes  = 8000
	eventPage = 500
)

// EventStore reads the event log.
type EventStore interface {
	// ListEvents returns up to limit events with ids above since, in id
	// order.
	ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error)
	// LastEventID returns the id of the newest event, 0 when there is
	// none.
	LastEventID(ctx context.Context) (int64, error)
}

// TrackStore reads the position history.
type TrackStore interface {
	// Track returns up to limit positions of team with device times from
	// from (inclusive) to to (exclusive), oldest first.
	Track(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error)
}

// TeamLister lists the teams of an actor's jurisdiction.
type TeamLister interface {
	Teams(ctx context.Context, actor dispatchd.Actor, f resources.TeamFilter, max int) ([]resources.Team, string, error)
}

// Service reads replay windows.
type Service struct {
	events EventStore
	tracks TrackStore
	teams  TeamLister
	// maxEvents and maxScanned bound an answer (MaxEvents, maxScanned;
	// smaller in the tests).
	maxEvents, maxScanned int
}

// NewService returns a Service; tracks may be nil on a server that keeps
// no position history, and its windows then hold no tracks.
func NewService(events EventStore, tracks TrackStore, teams TeamLister) *Service {
	return &Service{events: events, tracks: tracks, teams: teams, maxEvents: MaxEvents, maxScanned: maxScanned}
}

// Query asks for a window.
type Query struct {
	From, To time.Time
	// Since, when above zero, is the id of the last event already applied
	// (the state's event_id, or the NextSince of the answer before): the
	// events start after it. Zero starts at the first event at From.
	Since int64
	// Tracks asks for the tracks of the window too; the next pages of a
	// window's events need them no more.
	Tracks bool
}

// Window is a stretch of the past as an actor may see it.
type Window struct {
	From, To time.Time
	// Events are the events after Since with times before To, in id
	// order, those the actor may see.
	Events []dispatchd.Event
	// NextSince is the id of the last event read: where the next page
	// starts.
	NextSince int64
	// More says that events before To remain past NextSince.
	More   bool
	Tracks []Track
}

// Track is one team's thinned track in a window.
type Track struct {
	Team   string
	Points []Point
}

// Point is one fix of a track.
type Point struct {
	Lon, Lat float64
	TS       time.Time
}

// Validate checks a query: an invalid error with field errors.
func (q Query) Validate() error {
	var errs dispatchd.Fields
	switch {
	case q.From.IsZero():
		errs.Add("from", "is required")
	case q.To.IsZero():
		errs.Add("to", "is required")
	case !q.From.Before(q.To):
		errs.Add("from", "must be before to")
	case q.To.Sub(q.From) > MaxSpan:
		errs.Add("from", "must be at most %s before to", MaxSpan)
	}
	if q.Since < 0 {
		errs.Add("since", "must not be negative")
	}
	return errs.Err()
}

// Window returns the window q asks for as actor may see it: invalid for a
// bad query.
func (s *Service) Window(ctx context.Context, actor dispatchd.Actor, q Query) (*Window, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q.From, q.To = q.From.UTC(), q.To.UTC()
	w := &Window{From: q.From, To: q.To, Events: []dispatchd.Event{}, Tracks: []Track{}}
	since := q.Since
	if since == 0 {
		var err error
		if since, err = s.before(ctx, q.From); err != nil {
			return nil, err
		}
	}
	if err := s.readEvents(ctx, actor.Scope(), w, since); err != nil {
		return nil, err
	}
	if q.Tracks && s.tracks != nil {
		var err error
		if w.Tracks, err = s.readTracks(ctx, actor, q.From, q.To); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// before returns the id of the last event with a time before t, 0 when
// there is none. Times follow ids (but for the moment between an event's
// time and its commit), so it bisects the ids, a read by primary key at
// each step, rather than scan a month of events for a time.
func (s *Service) before(ctx context.Context, t time.Time) (int64, error) {
	hi, err := s.events.LastEventID(ctx)
	if err != nil {
		return 0, fmt.Errorf("find the event before %s: %w", t.Format(time.RFC3339), err)
	}
	var lo int64 // every event up to lo is before t; none after hi is
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		evs, err := s.events.ListEvents(ctx, mid-1, 1) // the first at or after mid
		if err != nil {
			return 0, fmt.Errorf("find the event before %s: %w", t.Format(time.RFC3339), err)
		}
		if len(evs) == 0 || !evs[0].TS.Before(t) {
			hi = mid - 1
		} else {
			lo = min(evs[0].ID, hi)
		}
	}
	return lo, nil
}

// readEvents reads the events after since in id order until one at or
// after w.To, keeping those scope may see. An event's time comes from its
// transaction, a little before its commit: the first event at or after To
// ends the window, and the next window starts after the last one before.
func (s *Service) readEvents(ctx context.Context, sc dispatchd.Scope, w *Window, since int64) error {
	w.NextSince = since
	for scanned := 0; ; {
		evs, err := s.events.ListEvents(ctx, w.NextSince, eventPage)
		if err != nil {
			return fmt.Errorf("read events after %d: %w", w.NextSince, err)
		}
		for _, ev := range evs {
			if !ev.TS.Before(w.To) {
				return nil
			}
			if len(w.Events) == s.maxEvents || scanned == s.maxScanned {
				w.More = true
				return nil
			}
			scanned++
			w.NextSince = ev.ID
			if ev.Visible(sc) {
				w.Events = append(w.Events, ev)
			}
		}
		if len(evs) < eventPage {
			return nil
		}
	}
}

// readTracks reads the thinned tracks of the actor's teams; teams with no
// fix in the window are left out.
func (s *Service) readTracks(ctx context.Context, actor dispatchd.Actor, from, to time.Time) ([]Track, error) {
	out := []Track{}
	f := resources.TeamFilter{Limit: resources.MaxMapLimit}
	for {
		teams, next, err := s.teams.Teams(ctx, actor, f, resources.MaxMapLimit)
		if err != nil {
			return nil, err
		}
		for _, tm := range teams {
			ps, err := s.tracks.Track(ctx, tm.ID, from, to, maxFixes)
			if err != nil {
				return nil, err
			}
			if pts := Thin(ps, Step); len(pts) > 0 {
				out = append(out, Track{Team: tm.ID, Points: pts})
			}
		}
		if next == "" {
			return out, nil
		}
		f.After = next
	}
}

// Thin keeps the first fix, then each fix at least step after the last kept
// one, and the last fix, so that a unit ends where it was.
func Thin(ps []realtime.Position, step time.Duration) []Point {
	out := make([]Point, 0, min(len(ps), 64))
	var last time.Time
	for i, p := range ps {
		if i == 0 || p.TS.Sub(last) >= step || i == len(ps)-1 {
			out = append(out, Point{Lon: p.Lon, Lat: p.Lat, TS: p.TS.UTC()})
			last = p.TS
		}
	}
	return out
}
