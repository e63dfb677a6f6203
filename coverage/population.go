package coverage

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/realtime"
)

// EventPopulationImported is written when the population layer is
// replaced; every node reloads the layer when its feed brings it.
const EventPopulationImported = "coverage.population_imported"

// The weights Config.Weight names.
const (
	WeightArea       = "area"
	WeightPopulation = "population"
)

// PopulationStore keeps the population layer.
type PopulationStore interface {
	// ReplacePopulation replaces every population point with pts and
	// appends ev, in one transaction.
	ReplacePopulation(ctx context.Context, pts []PopulationPoint, ev dispatchd.Event) error
	// ListPopulation returns every population point.
	ListPopulation(ctx context.Context) ([]PopulationPoint, error)
}

// PopulationImported is the answer to an import and the data of its
// event: how many points were read, how many fell in a county's cell and
// how many outside every county, and their population.
type PopulationImported struct {
	Points            int     `json:"points"`
	Counted           int     `json:"counted"`
	Outside           int     `json:"outside"`
	Population        float64 `json:"population"`
	OutsidePopulation float64 `json:"outside_population"`
	// Counties is how many counties have some population.
	Counties int `json:"counties"`
}

// Population is the population loaded for a region, by county.
type Population struct {
	Region     string          `json:"region"`
	Name       string          `json:"name,omitempty"`
	Population float64         `json:"population"`
	Points     int             `json:"points"`
	Counties   []PopulationRow `json:"counties"`
}

// PopulationRow is one county's population: the points that fell in its
// cells and their sum.
type PopulationRow struct {
	Region     string  `json:"region"`
	Name       string  `json:"name,omitempty"`
	Population float64 `json:"population"`
	Points     int     `json:"points"`
	Cells      int     `json:"cells"`
}

// SetPopulationStore makes the service keep its population layer in
// store (LoadPopulation, ImportPopulation, FollowPopulation). Call it
// before the service is used.
func (s *Service) SetPopulationStore(store PopulationStore) { s.popStore = store }

// LoadPopulation reads the population layer from the store and weighs
// the cells by it.
func (s *Service) LoadPopulation(ctx context.Context) error {
	if s.popStore == nil {
		return nil
	}
	pts, err := s.popStore.ListPopulation(ctx)
	if err != nil {
		return fmt.Errorf("load the population layer: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pop = pts
	s.weigh()
	return nil
}

// weigh weighs the grid's cells by the population points and every
// layer by the weights; under mu. No points, no weights.
func (s *Service) weigh() {
	s.weights = nil
	if s.grid != nil && len(s.pop) > 0 {
		s.weights = s.grid.Weigh(s.pop)
	}
	for _, l := range s.layers {
		l.SetWeights(s.weights)
	}
}

// ImportPopulation replaces the population layer with the points of data
// (a GeoJSON FeatureCollection of points, or a CSV file when csv), given
// in crs, and writes coverage.population_imported with the counts.
// Points outside every county are counted, not refused. Only admins of
// the whole deployment (no jurisdiction) import: the layer is the
// deployment's, and one import replaces it whole. Errors: forbidden,
// invalid with field errors, unavailable without a store.
func (s *Service) ImportPopulation(ctx context.Context, a dispatchd.Actor, data []byte, csv bool, crs geo.CRS) (*PopulationImported, error) {
	if !a.Is(dispatchd.RoleAdmin) || !a.Scope().Everything() {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only an administrator of the whole deployment imports the population layer")
	}
	if s.popStore == nil {
		return nil, dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no population layer")
	}
	parse := ParsePopulationGeoJSON
	if csv {
		parse = ParsePopulationCSV
	}
	pts, err := parse(data, crs)
	if err != nil {
		return nil, err
	}
	if err := s.Sync(ctx, time.Now()); err != nil { // the grid of the outlines now
		return nil, err
	}
	s.mu.Lock()
	w := s.grid.Weigh(pts)
	s.mu.Unlock()
	res := &PopulationImported{Points: len(pts), Counted: len(pts) - w.Outside, Outside: w.Outside,
		OutsidePopulation: w.OutsidePopulation}
	for k := range w.total {
		res.Population += w.total[k]
		if w.total[k] > 0 {
			res.Counties++
		}
	}
	ev := dispatchd.NewEvent(EventPopulationImported, a, "population", res)
	if err := s.popStore.ReplacePopulation(ctx, pts, ev); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.pop = pts
	s.weigh()
	s.mu.Unlock()
	return res, nil
}

// FollowPopulation reloads the population layer whenever the feed brings
// coverage.population_imported, written on any node, until ctx ends;
// report hears of a failed load. sub must be feed's, taken with
// FeedBuffer before LoadPopulation.
func (s *Service) FollowPopulation(ctx context.Context, feed *realtime.Feed, sub *realtime.Subscription, report func(error)) {
	realtime.Follow(ctx, feed, sub, FeedBuffer, func(ev dispatchd.Event) {
		if ev.Type == EventPopulationImported {
			if err := s.LoadPopulation(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}, s.LoadPopulation, report)
}

// FeedBuffer is the event buffer FollowPopulation's subscription needs.
const FeedBuffer = 64

// Population returns the population loaded for the counties of a region
// (the actor's jurisdiction when ""). Errors: invalid, not_found.
func (s *Service) Population(ctx context.Context, a dispatchd.Actor, region string) (*Population, error) {
	if err := s.Sync(ctx, time.Now()); err != nil {
		return nil, err
	}
	if region == "" {
		region = a.Jurisdiction
	}
	known := region == "" || dispatchd.ValidRegion(region) && s.regs.Name(ctx, region) != ""
	s.mu.Lock()
	ks, err := s.counties(a, region, known)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	out := &Population{Region: region, Counties: []PopulationRow{}}
	for _, k := range ks {
		row := PopulationRow{Region: s.grid.counties[k].Code, Cells: s.grid.Cells(k)}
		if s.weights != nil {
			row.Population, row.Points = round2(s.weights.Total(k)), s.weights.Points(k)
		}
		out.Population += row.Population
		out.Points += row.Points
		out.Counties = append(out.Counties, row)
	}
	s.mu.Unlock()
	out.Population = round2(out.Population)
	if region != "" {
		out.Name = s.regs.Name(ctx, region)
	}
	for i := range out.Counties {
		out.Counties[i].Name = s.regs.Name(ctx, out.Counties[i].Region)
	}
	return out, nil
}

// counties returns the numbers of the region's counties; under mu.
// Errors as scope's.
func (s *Service) counties(a dispatchd.Actor, region string, known bool) ([]int, error) {
	if region != "" {
		if err := checkRegion(region); err != nil {
			return nil, err
		}
	}
	if !dispatchd.InRegion(a.Jurisdiction, region) {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "region %s not found", region)
	}
	prefix := dispatchd.RegionPrefix(region)
	var ks []int
	for k, c := range s.grid.counties {
		if strings.HasPrefix(c.Code, prefix) {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 && !known {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "region %s not found", region)
	}
	return ks, nil
}

// round2 rounds a population sum to hundredths, against float noise.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
