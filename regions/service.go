package regions

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/realtime"
)

// Page sizes of Children.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// FeedBuffer is the event buffer Follow's subscription needs.
const FeedBuffer = 256

// Service answers questions about the region tree. Every answer but
// Locate's is read from the store, so that all nodes agree at once; the
// boundary index is built from the store when first needed and again after
// each import of regions, on this node at once and on the others when
// their event feed brings the region.imported event (Follow).
type Service struct {
	store Store
	// gen counts the invalidations: an index built at an older
	// generation is rebuilt before it is used.
	gen   atomic.Int64
	idx   atomic.Pointer[Index]
	build sync.Mutex
	// names remembers Name's answers of generation namesGen.
	namesMu  sync.Mutex
	names    map[string]string
	namesGen int64
}

// NewService returns the service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// CheckCode returns a field error unless code is a region code.
func CheckCode(field, code string) error {
	if !dispatchd.ValidRegion(code) {
		return dispatchd.Invalid(dispatchd.FieldError{Field: field, Message: "must be a GB/T 2260 region code: 6 digits, 9 for a township"})
	}
	return nil
}

// Get returns a region. Errors: invalid for a malformed code, not_found.
func (s *Service) Get(ctx context.Context, code string) (*Region, error) {
	if err := CheckCode("code", code); err != nil {
		return nil, err
	}
	return s.store.GetRegion(ctx, code)
}

// Children lists the regions directly under parent ("" for the top level)
// in code order, after the code after, and returns the cursor of the next
// page ("" at the end). Errors: invalid, not_found for an unknown parent.
func (s *Service) Children(ctx context.Context, parent, after string, limit int) ([]Region, string, error) {
	if parent != "" {
		if err := CheckCode("parent", parent); err != nil {
			return nil, "", err
		}
		if _, err := s.store.GetRegion(ctx, parent); err != nil {
			return nil, "", err
		}
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	rows, err := s.store.ListRegions(ctx, Filter{Parent: parent, After: after, Limit: limit + 1})
	if err != nil {
		return nil, "", err
	}
	if len(rows) > limit {
		return rows[:limit], rows[limit-1].Code, nil
	}
	return rows, "", nil
}

// Path returns the ancestors of a region, the top first. Errors: invalid,
// not_found.
func (s *Service) Path(ctx context.Context, code string) ([]Ref, error) {
	r, err := s.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	var path []Ref
	// A tree is at most four levels deep; the bound guards against a
	// parent loop written by hand into the table.
	for up := r.Parent; up != "" && len(path) < len(Levels); {
		p, err := s.store.GetRegion(ctx, up)
		if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
			break // a parent the tree does not list
		}
		if err != nil {
			return nil, err
		}
		path = append(path, Ref{Code: p.Code, Name: p.Name, Level: p.Level})
		up = p.Parent
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	if path == nil {
		path = []Ref{}
	}
	return path, nil
}

// Known reports whether code is a region of the tree. While no tree is
// loaded every well-formed code is known: a deployment may run without
// one, its regions then checked for form only.
func (s *Service) Known(ctx context.Context, code string) (bool, error) {
	if !dispatchd.ValidRegion(code) {
		return false, nil
	}
	_, err := s.store.GetRegion(ctx, code)
	switch dispatchd.ErrorCode(err) {
	case "":
		return true, nil
	case dispatchd.ENOTFOUND:
		any, err := s.store.AnyRegion(ctx)
		return !any, err
	}
	return false, err
}

// Index returns the boundary index, built from the store if it is missing
// or an import made it stale.
func (s *Service) Index(ctx context.Context) (*Index, error) {
	if x := s.idx.Load(); x != nil && x.gen == s.gen.Load() {
		return x, nil
	}
	s.build.Lock()
	defer s.build.Unlock()
	gen := s.gen.Load()
	if x := s.idx.Load(); x != nil && x.gen == gen {
		return x, nil
	}
	rs, err := s.store.Boundaries(ctx)
	if err != nil {
		return nil, err
	}
	x := NewIndex(rs)
	x.gen = gen
	s.idx.Store(x)
	return x, nil
}

// Locate returns the deepest region whose boundary holds the WGS-84 point
// (a county, or a township where townships have boundaries), "" when none
// does.
func (s *Service) Locate(ctx context.Context, p geo.Point) (string, error) {
	x, err := s.Index(ctx)
	if err != nil {
		return "", err
	}
	return x.Locate(p), nil
}

// Invalidate marks the boundary index stale: the next use rebuilds it.
func (s *Service) Invalidate() { s.gen.Add(1) }

// Follow invalidates the boundary index whenever the feed brings an event
// of the region tree (region.*), written on any node, until ctx ends. sub
// must be feed's, taken with FeedBuffer; a subscription dropped for being
// slow is taken again, and the index invalidated, since events were
// missed.
func (s *Service) Follow(ctx context.Context, feed *realtime.Feed, sub *realtime.Subscription) {
	for {
		for ev := range sub.C {
			if strings.HasPrefix(ev.Type, "region.") {
				s.Invalidate()
			}
		}
		if ctx.Err() != nil {
			return
		}
		sub = feed.Subscribe(FeedBuffer)
		s.Invalidate()
	}
}

// Name returns a region's name, "" for a code the tree does not list: for
// the owners of suggestions' outside candidates, asked on every plan, so
// the names are remembered until the tree changes (Invalidate).
func (s *Service) Name(ctx context.Context, code string) string {
	gen := s.gen.Load()
	s.namesMu.Lock()
	if s.namesGen != gen || s.names == nil {
		s.names, s.namesGen = map[string]string{}, gen
	}
	n, ok := s.names[code]
	s.namesMu.Unlock()
	if ok {
		return n
	}
	r, err := s.store.GetRegion(ctx, code)
	if err != nil {
		return "" // unknown, or the store failing: the plan goes without the name
	}
	s.namesMu.Lock()
	if s.namesGen == gen {
		s.names[code] = r.Name
	}
	s.namesMu.Unlock()
	return r.Name
}
