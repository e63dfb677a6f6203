package warning

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"dispatchd"
)

// visible reports whether an actor may see a warning: one of its regions
// lies within the actor's jurisdiction, or the jurisdiction lies within
// one of its regions (a county commander sees the province's warning that
// reached his county).
func visible(actor dispatchd.Actor, w *Warning) bool {
	if actor.Jurisdiction == "" {
		return true
	}
	return slices.ContainsFunc(w.Regions, func(r string) bool {
		return actor.Covers(r) || dispatchd.InRegion(r, actor.Jurisdiction)
	})
}

// above returns the regions above a jurisdiction, its parent first.
func above(jurisdiction string) []string {
	var out []string
	for r := dispatchd.RegionParent(jurisdiction); r != "" && len(out) < 4; r = dispatchd.RegionParent(r) {
		out = append(out, r)
	}
	return out
}

// resolveRegions returns the regions a warning's areas reach: those they
// name, each known and within the actor's jurisdiction, and for an area
// given by polygons alone the regions the polygons cover, those outside
// the jurisdiction left out (a polygon may spill over a border).
func (s *Service) resolveRegions(ctx context.Context, actor dispatchd.Actor, w *Warning, areaPath func(int) string) ([]string, error) {
	var f dispatchd.Fields
	var out []string
	add := func(r string) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for i, ar := range w.Areas {
		path := areaPath(i)
		capPath := strings.HasPrefix(path, "info")
		for j, r := range ar.Regions {
			field := fmt.Sprintf("%s.regions[%d]", path, j)
			if capPath {
				field = path + ".geocode"
			}
			if s.known != nil {
				ok, err := s.known(ctx, r)
				if err != nil {
					return nil, err
				}
				if !ok {
					f.Add(field, "unknown region %s", r)
					continue
				}
			}
			if !actor.Covers(r) {
				f.Add(field, "%s is %s", r, outsideJurisdiction)
				continue
			}
			add(r)
		}
		if len(ar.Regions) > 0 {
			continue
		}
		polyField := path + ".polygons"
		if capPath {
			polyField = path + ".polygon"
		}
		if len(ar.Polygons) == 0 {
			f.Add(path, "name its regions (GB/T 2260 geocodes) or give a polygon")
			continue
		}
		if s.cover == nil {
			f.Add(polyField, "a polygon alone needs the regions' boundaries, which are not loaded: name the regions")
			continue
		}
		n := len(out)
		for _, p := range ar.Polygons {
			codes, ok, err := s.cover(ctx, p)
			if err != nil {
				return nil, err
			}
			if !ok {
				f.Add(polyField, "a polygon alone needs the regions' boundaries, which are not loaded: name the regions")
				break
			}
			for _, c := range codes {
				if actor.Covers(c) {
					add(c)
				}
			}
		}
		if len(out) == n {
			f.Add(polyField, "covers no region within your jurisdiction")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(out) > MaxRecipientRegions {
		field := strings.TrimSuffix(areaPath(0), "[0]")
		return nil, fieldError(field, "reach %d regions, more than %d", len(out), MaxRecipientRegions)
	}
	return out, nil
}

// topmost returns the regions that lie within no other of them.
func topmost(regions []string) []string {
	var out []string
	for _, r := range regions {
		if !slices.ContainsFunc(regions, func(o string) bool { return o != r && dispatchd.InRegion(o, r) }) {
			out = append(out, r)
		}
	}
	return out
}

// resolveRecipients returns a queued recipient for each person of the
// warning's regions' subtrees and duties.
func (s *Service) resolveRecipients(ctx context.Context, w *Warning, now time.Time) ([]Recipient, error) {
	q := RecipientQuery{Regions: topmost(w.Regions), Duties: w.Duties}
	deadline := now.Add(time.Duration(w.AnswerWithinS) * time.Second)
	var out []Recipient
	for {
		page, next, err := s.Recipients(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, p := range page {
			out = append(out, Recipient{ID: dispatchd.NewID(), Warning: w.ID, Person: p.ID, Name: p.Name,
				Phone: NormalisePhone(p.Phone), Region: p.Region, Duty: p.Duty, Superior: p.Superior,
				Kind: KindWarning, State: Queued, Deadline: deadline})
		}
		if next == "" {
			return out, nil
		}
		q.After = next
	}
}

// cancelRecipients returns a queued recipient, who needs not answer, for
// each person the cancelled warning reached (its recipients and its
// notices' superiors, each once).
func (s *Service) cancelRecipients(ctx context.Context, w, cancelled *Warning, now time.Time) ([]Recipient, error) {
	seen := map[string]bool{}
	var out []Recipient
	f := RecipientFilter{Warning: cancelled.ID, Limit: MaxRecipients}
	for {
		page, err := s.store.ListRecipients(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if seen[r.Person] {
				continue
			}
			seen[r.Person] = true
			out = append(out, Recipient{ID: dispatchd.NewID(), Warning: w.ID, Person: r.Person, Name: r.Name,
				Phone: r.Phone, Region: r.Region, Duty: r.Duty, Superior: r.Superior, Kind: KindWarning,
				State: Queued, Deadline: now})
		}
		if len(page) < f.Limit {
			return out, nil
		}
		f.AfterRegion, f.AfterID = page[len(page)-1].Region, page[len(page)-1].ID
	}
}
