package coverage

import (
	"context"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"dispatchd"
	"dispatchd/geo"
)

// Report is the coverage of a region for one capability.
type Report struct {
	Region     string  `json:"region"`
	Name       string  `json:"name,omitempty"`
	Capability string  `json:"capability"`
	TargetS    float64 `json:"target_s"`
	Threshold  float64 `json:"threshold"`
	CellMetres float64 `json:"cell_metres"`
	Share      float64 `json:"share"`
	Cells      int     `json:"cells"`
	Covered    int     `json:"covered"`
	// Weight is the share the threshold applies to (Config.Weight).
	Weight string `json:"weight"`
	// PopulationShare is the share of the population of the region's
	// counties that have population loaded, nil when none has;
	// Population is their population.
	PopulationShare *float64 `json:"population_share"`
	Population      float64  `json:"population"`
	// Counties are the region's counties, when it is not one itself.
	Counties []Row `json:"counties"`
}

// Row is one county's coverage.
type Row struct {
	Region  string  `json:"region"`
	Name    string  `json:"name,omitempty"`
	Share   float64 `json:"share"`
	Cells   int     `json:"cells"`
	Covered int     `json:"covered"`
	// PopulationShare is the share of the county's population in cells
	// some team reaches, nil when it has no population loaded.
	PopulationShare *float64 `json:"population_share"`
	Population      float64  `json:"population"`
	// Gap is set when the share Weight names is below the threshold.
	Gap bool `json:"gap"`
}

// Report returns the coverage of a region (the actor's jurisdiction when
// "") for a capability, current to the dispatch view. Errors: invalid,
// not_found (see scope).
func (s *Service) Report(ctx context.Context, a dispatchd.Actor, region, capability string) (*Report, error) {
	rep, _, err := s.report(ctx, a, region, capability, false)
	return rep, err
}

// Features returns the report and the region's cells as GeoJSON
// features: runs of cells of one row, county and state as rectangles,
// with the properties county, cells (in the run), count (the least of
// the teams that reach each) and covered.
func (s *Service) Features(ctx context.Context, a dispatchd.Actor, region, capability string) (*Report, *geojson.FeatureCollection, error) {
	return s.report(ctx, a, region, capability, true)
}

func (s *Service) report(ctx context.Context, a dispatchd.Actor, region, capability string, cells bool) (*Report, *geojson.FeatureCollection, error) {
	if err := s.fresh(ctx); err != nil {
		return nil, nil, err
	}
	if region == "" {
		region = a.Jurisdiction
	}
	known := region == "" || dispatchd.ValidRegion(region) && s.regs.Name(ctx, region) != ""
	s.mu.Lock()
	l, ks, err := s.scope(a, region, capability, known)
	if err != nil {
		s.mu.Unlock()
		return nil, nil, err
	}
	rep := &Report{Region: region, Capability: capability, TargetS: l.TargetS(), Threshold: s.cfg.Gap,
		CellMetres: s.grid.CellMetres(), Weight: s.cfg.Weight, Counties: []Row{}}
	var popCovered, popTotal float64
	var fc *geojson.FeatureCollection
	in := map[int]bool{}
	for _, k := range ks {
		c := s.grid.counties[k]
		row := Row{Region: c.Code, Share: l.Share(k), Cells: s.grid.Cells(k), Covered: l.Covered(k)}
		row.Gap = l.Weighted(k, s.cfg.ByPopulation()) < s.cfg.Gap
		if ps, ok := l.PopulationShare(k); ok {
			row.PopulationShare, row.Population = &ps, round2(l.w.total[k])
			popCovered, popTotal = popCovered+l.wcov[k], popTotal+l.w.total[k]
		}
		rep.Cells += row.Cells
		rep.Covered += row.Covered
		if c.Code != region {
			rep.Counties = append(rep.Counties, row)
		}
		in[k] = true
	}
	rep.Share = share(rep.Covered, rep.Cells)
	if popTotal > 0 {
		ps := wshare(popCovered, popTotal)
		rep.PopulationShare, rep.Population = &ps, round2(popTotal)
	}
	if cells {
		fc = geojson.NewFeatureCollection()
		// A run of cells of one row, one county and one state is one
		// strip, whose count is its cells' least: a province is some
		// 60,000 cells but a few thousand strips.
		for i := 0; i < s.grid.Len(); {
			k := s.grid.CountyOf(i)
			covered, least, j := l.Count(i) > 0, l.Count(i), i
			for {
				n, ok := s.grid.Next(j)
				if !ok || n != j+1 || s.grid.CountyOf(n) != k || (l.Count(n) > 0) != covered {
					break
				}
				least = min(least, l.Count(n))
				j = n
			}
			if in[k] {
				f := geojson.NewFeature(orb.Polygon{s.grid.Strip(i, j)})
				f.Properties = geojson.Properties{"county": s.grid.counties[k].Code, "count": least, "covered": covered, "cells": j - i + 1}
				fc.Append(f)
			}
			i = j + 1
		}
	}
	s.mu.Unlock()
	if region != "" {
		rep.Name = s.regs.Name(ctx, region)
	}
	for i := range rep.Counties {
		rep.Counties[i].Name = s.regs.Name(ctx, rep.Counties[i].Region)
	}
	return rep, fc, nil
}

// Move is a proposed relocation that restores a county's coverage.
type Move struct {
	Region      string    `json:"region"`
	Capability  string    `json:"capability"`
	Team        string    `json:"team"`
	From        geo.Point `json:"from"`
	To          geo.Point `json:"to"`
	ShareBefore float64   `json:"share_before"`
	ShareAfter  float64   `json:"share_after"`
	// PopulationBefore and PopulationAfter are the county's population
	// shares, nil when it has no population loaded.
	PopulationBefore *float64 `json:"population_before"`
	PopulationAfter  *float64 `json:"population_after"`
}

// MoveUp returns the standby team (available, of the capability) whose
// move to the county's largest gap restores most of its share, or nil
// when no move raises it (no gap, or no team). region must be a county
// within the actor's jurisdiction. Errors: invalid, not_found.
func (s *Service) MoveUp(ctx context.Context, a dispatchd.Actor, region, capability string) (*Move, error) {
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	if region == "" {
		region = a.Jurisdiction
	}
	known := dispatchd.ValidRegion(region) && s.regs.Name(ctx, region) != ""
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ks, err := s.scope(a, region, capability, known)
	if err != nil {
		return nil, err
	}
	if len(region) != 6 || dispatchd.RegionPrefix(region) != region {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "region", Message: "must be a county"})
	}
	if len(ks) != 1 || s.grid.counties[ks[0]].Code != region {
		return nil, nil // a county with no outline: no cells to restore
	}
	m, ok := l.MoveUpBy(ks[0], nil, s.cfg.ByPopulation())
	if !ok {
		return nil, nil
	}
	return &Move{Region: region, Capability: capability, Team: m.Team, From: m.From, To: m.To,
		ShareBefore: m.ShareBefore, ShareAfter: m.ShareAfter,
		PopulationBefore: m.PopulationBefore, PopulationAfter: m.PopulationAfter}, nil
}
