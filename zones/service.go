package zones

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/realtime"
)

// FeedBuffer is the event buffer Follow's subscription needs.
const FeedBuffer = 256

// MaxIDs bounds the zone ids an import's answer lists.
const MaxIDs = 1000

// Window is the span of time an import covers for one hazard: the zones
// of that hazard it replaces are the standing ones that overlap it.
type Window struct {
	Hazard   string
	From, To time.Time
}

// Filter selects zones: the standing ones (not superseded), or, with
// AsOf, those known at a past moment.
type Filter struct {
	// At, when set, keeps the zones in force at that moment.
	At time.Time
	// AsOf, when set, selects the zones as they were known at that moment
	// instead of the standing ones: those created at or before it and not
	// superseded by it (never, or after it).
	AsOf time.Time
	// EndsAfter, when set, keeps the zones whose window ends after it.
	EndsAfter time.Time
	Level     string
	Hazard    string
}

// Store is what the service needs of a store.
type Store interface {
	// ImportZones writes the zones of one forecast in one transaction:
	// first it marks superseded, at now, every standing zone of another
	// forecast whose hazard and window overlap one of replace, then it
	// inserts zs and appends the event that event builds from the count of
	// zones superseded, which it returns.
	ImportZones(ctx context.Context, zs []Zone, replace []Window, now time.Time, event func(superseded int) dispatchd.Event) (int, error)
	// ListZones returns the zones f selects: the standing ones, or those
	// known at f.AsOf.
	ListZones(ctx context.Context, f Filter) ([]Zone, error)
	// EnterZone records that team entered zone, with ev, unless it is
	// already recorded; it reports whether it recorded it.
	EnterZone(ctx context.Context, team, zone string, at time.Time, ev dispatchd.Event) (bool, error)
}

// Imported is the answer to an import.
type Imported struct {
	Forecast   string `json:"forecast"`
	Imported   int    `json:"imported"`
	Superseded int    `json:"superseded"`
	// IDs are the ids of the zones imported, listed up to MaxIDs.
	IDs []string `json:"ids,omitempty"`
}

// Service imports risk zones, answers those in force at a moment and keeps
// the index of the standing ones that every node's position path and
// planner use: built at Load, and again after each import, on this node at
// once and on the others when their feed brings zones.imported (Follow).
type Service struct {
	store   Store
	hazards []string
	idx     atomic.Pointer[Index]
	now     func() time.Time
}

// NewService returns the service over store; hazards are the hazard types
// a zone may have (the incident types).
func NewService(store Store, hazards []string) *Service {
	s := &Service{store: store, hazards: hazards, now: func() time.Time { return time.Now().UTC() }}
	s.idx.Store(NewIndex(nil))
	return s
}

// Index is the index of the standing zones, current to the last import
// this node saw; never nil.
func (s *Service) Index() *Index { return s.idx.Load() }

// Load builds the index from the standing zones that have not ended.
func (s *Service) Load(ctx context.Context) error {
	zs, err := s.store.ListZones(ctx, Filter{EndsAfter: s.now()})
	if err != nil {
		return fmt.Errorf("load risk zones: %w", err)
	}
	s.idx.Store(NewIndex(zs))
	return nil
}

// Import reads a FeatureCollection of zones (ParseFeatureCollection) given
// in crs and writes them as one forecast, which supersedes, for each hazard
// it carries, the standing zones of that hazard whose window overlaps the
// span of its own zones of that hazard. Admins and commanders import, of
// any jurisdiction: zones are the whole deployment's. Errors: forbidden,
// invalid with field errors, too_large.
func (s *Service) Import(ctx context.Context, a dispatchd.Actor, data []byte, crs geo.CRS) (*Imported, error) {
	if !a.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only admins and commanders import risk zones")
	}
	zs, err := ParseFeatureCollection(data, s.hazards, crs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	forecast := dispatchd.NewID()
	spans := map[string]*Window{}
	byLevel := map[string]int{}
	from, to := zs[0].ValidFrom, zs[0].ValidTo
	ids := make([]string, 0, min(len(zs), MaxIDs))
	for i := range zs {
		z := &zs[i]
		if z.ID == "" {
			z.ID = dispatchd.NewID()
		}
		z.Forecast, z.CreatedAt, z.CreatedBy = forecast, now, a.Name()
		byLevel[z.Level]++
		from, to = minTime(from, z.ValidFrom), maxTime(to, z.ValidTo)
		if w := spans[z.Hazard]; w == nil {
			spans[z.Hazard] = &Window{Hazard: z.Hazard, From: z.ValidFrom, To: z.ValidTo}
		} else {
			w.From, w.To = minTime(w.From, z.ValidFrom), maxTime(w.To, z.ValidTo)
		}
		if len(ids) < MaxIDs {
			ids = append(ids, z.ID)
		}
	}
	replace := make([]Window, 0, len(spans))
	hazards := make([]string, 0, len(spans))
	for _, w := range spans {
		replace = append(replace, *w)
		hazards = append(hazards, w.Hazard)
	}
	slices.Sort(hazards)
	slices.SortFunc(replace, func(a, b Window) int { return strings.Compare(a.Hazard, b.Hazard) })
	n, err := s.store.ImportZones(ctx, zs, replace, now, func(superseded int) dispatchd.Event {
		return dispatchd.NewEvent("zones.imported", a, forecast, map[string]any{
			"forecast": forecast, "imported": len(zs), "levels": byLevel, "hazards": hazards,
			"valid_from": from, "valid_to": to, "superseded": superseded,
		})
	})
	if err != nil {
		return nil, err
	}
	if err := s.Load(ctx); err != nil {
		return nil, err
	}
	return &Imported{Forecast: forecast, Imported: len(zs), Superseded: n, IDs: ids}, nil
}

// At returns the zones in force at t as known at the earlier of t and now,
// of level and hazard when they are set: for a past t, the zones created by
// then and not yet superseded then (a forecast replaced later still shows
// for the moments it stood); for a future t, the standing ones. Admins,
// commanders, viewers and team leads read them.
func (s *Service) At(ctx context.Context, a dispatchd.Actor, t time.Time, level, hazard string) ([]Zone, error) {
	if !a.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer, dispatchd.RoleTeamLead) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "risk zones are read by admins, commanders, viewers and team leads")
	}
	var fields []dispatchd.FieldError
	if level != "" && !slices.Contains(Levels, level) {
		fields = append(fields, dispatchd.FieldError{Field: "level", Message: "must be one of " + strings.Join(Levels, ", ")})
	}
	if hazard != "" && !slices.Contains(s.hazards, hazard) {
		fields = append(fields, dispatchd.FieldError{Field: "hazard", Message: "must be one of " + strings.Join(s.hazards, ", ")})
	}
	if len(fields) > 0 {
		return nil, dispatchd.Invalid(fields...)
	}
	now := s.now()
	if t.IsZero() {
		t = now
	}
	f := Filter{At: t.UTC(), Level: level, Hazard: hazard}
	if t.Before(now) {
		f.AsOf = f.At
	}
	return s.store.ListZones(ctx, f)
}

// RefreshEvery is how often Follow rebuilds the index without an import,
// to let go of the zones that have ended.
const RefreshEvery = 10 * time.Minute

// Follow rebuilds the index whenever the feed brings zones.imported,
// written on any node, and every RefreshEvery, until ctx ends; report
// hears of a failed load. sub must be feed's, taken with FeedBuffer; a
// subscription dropped for being slow is taken again, and the index
// rebuilt, since events were missed.
func (s *Service) Follow(ctx context.Context, feed *realtime.Feed, sub *realtime.Subscription, report func(error)) {
	tick := time.NewTicker(RefreshEvery)
	defer tick.Stop()
	load := func() {
		if err := s.Load(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
	}
	for {
		select {
		case ev, ok := <-sub.C:
			if ok {
				if ev.Type == "zones.imported" {
					load()
				}
				continue
			}
			if ctx.Err() != nil {
				return
			}
			sub = feed.Subscribe(FeedBuffer)
			load()
		case <-tick.C:
			load()
		case <-ctx.Done():
			return
		}
	}
}

// RedAt returns a red zone in force now that contains p, nil when there
// is none: for the suggestions' marks.
func (x *Index) RedAt(p orb.Point, t time.Time) *Zone {
	var red *Zone
	x.Find(p, t, func(z *Zone) bool {
		if z.Level == Red {
			red = z
			return false
		}
		return true
	})
	return red
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Zone returns the standing zone with id from the index (of the newest
// forecast, when two forecasts used the same id), or ENOTFOUND: the zone
// pre-positioning is asked for.
func (s *Service) Zone(_ context.Context, id string) (*Zone, error) {
	var found *Zone
	for _, z := range s.Index().Zones() {
		if z.ID == id && (found == nil || z.CreatedAt.After(found.CreatedAt)) {
			found = z
		}
	}
	if found == nil {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "no standing risk zone %q", id)
	}
	c := *found
	return &c, nil
}

// InForce returns the standing zones in force at t, from the index: those
// pre-positioning plans for.
func (s *Service) InForce(_ context.Context, t time.Time) ([]Zone, error) {
	var out []Zone
	for _, z := range s.Index().Zones() {
		if z.ValidAt(t) {
			out = append(out, *z)
		}
	}
	return out, nil
}
