package dispatch

import (
	"context"
	"strings"

	"dispatchd"
	"dispatchd/regions"
)

// Regions is the region tree as the board needs it to place an incident.
// *regions.Service is one.
type Regions interface {
	// Known reports whether a code is a region of the tree (every
	// well-formed code while no tree is loaded).
	Known(ctx context.Context, code string) (bool, error)
	// Index returns the current boundary index.
	Index(ctx context.Context) (*regions.Index, error)
}

// RegionTree is the region tree as scores need it, to name a region and
// list its children. *regions.Service is one; scores of a deployment
// whose Config.Regions is not one have no children.
type RegionTree interface {
	// Get returns a region: EINVALID for a malformed code, ENOTFOUND.
	Get(ctx context.Context, code string) (*regions.Region, error)
	// Children lists up to limit regions directly under parent ("" for
	// the top level) after the code after, in code order.
	Children(ctx context.Context, parent, after string, limit int) ([]regions.Region, string, error)
}

// Where an incident's region came from.
const (
	RegionGiven        = "given"        // the reporter named it
	RegionLocated      = "location"     // the boundary that holds the location
	RegionJurisdiction = "jurisdiction" // the reporter's own jurisdiction
)

// derived reports whether the board chose the incident's region, so that
// it may choose again when the location moves; an incident with a region
// and no source predates sources and keeps its region.
func (in *Incident) derived() bool {
	return in.RegionSource == RegionLocated || in.RegionSource == RegionJurisdiction || in.Region == ""
}

// placeIncident gives a new incident its region: the one given, which
// must be known and within the actor's jurisdiction; else the county
// whose boundary holds the location; else the actor's jurisdiction ("" for
// the whole deployment).
func (s *Service) placeIncident(ctx context.Context, actor dispatchd.Actor, in *Incident) error {
	if in.Region != "" {
		in.RegionSource = RegionGiven
		return s.checkIncidentRegion(ctx, actor, in.Region)
	}
	idx, err := s.regionIndex(ctx)
	if err != nil {
		return err
	}
	return derive(actor, in, idx, true)
}

// placePatch checks the region a patch gives, before the incident is
// locked, and returns what places the patched incident: a region given
// stays; a region given as "" is derived again, as for a new incident; a
// new location with no region moves a region the board derived (and
// leaves a region someone gave).
func (s *Service) placePatch(ctx context.Context, actor dispatchd.Actor, p IncidentPatch) (func(in *Incident) error, error) {
	given := p.Region != nil && strings.TrimSpace(*p.Region) != ""
	if given {
		if err := s.checkIncidentRegion(ctx, actor, strings.TrimSpace(*p.Region)); err != nil {
			return nil, err
		}
	}
	var idx *regions.Index
	if !given && (p.Region != nil || p.Location != nil) {
		var err error
		if idx, err = s.regionIndex(ctx); err != nil {
			return nil, err
		}
	}
	return func(in *Incident) error {
		switch {
		case given:
			in.RegionSource = RegionGiven
		case p.Region != nil:
			return derive(actor, in, idx, true)
		case p.Location != nil && in.derived():
			return derive(actor, in, idx, false)
		}
		return nil
	}, nil
}

// derive sets the region of the county that holds the incident's
// location; when none does, the actor's jurisdiction if fallback is set,
// else the region stays.
func derive(actor dispatchd.Actor, in *Incident, idx *regions.Index, fallback bool) error {
	if code := idx.Locate(in.Location); code != "" {
		if !actor.Covers(code) {
			return dispatchd.Invalid(dispatchd.FieldError{Field: "location",
				Message: "lies in region " + code + ", outside your jurisdiction: give the region, or ask its commanders"})
		}
		in.Region, in.RegionSource = code, RegionLocated
		return nil
	}
	if fallback {
		in.Region, in.RegionSource = actor.Jurisdiction, RegionJurisdiction
		if in.Region == "" {
			in.RegionSource = ""
		}
	}
	return nil
}

// checkIncidentRegion checks a region given for an incident.
func (s *Service) checkIncidentRegion(ctx context.Context, actor dispatchd.Actor, code string) error {
	if !dispatchd.ValidRegion(code) {
		return nil // Validate says what is wrong with its form
	}
	if s.cfg.Regions != nil {
		ok, err := s.cfg.Regions.Known(ctx, code)
		if err != nil {
			return err
		}
		if !ok {
			return dispatchd.Invalid(dispatchd.FieldError{Field: "region", Message: "unknown region " + code})
		}
	}
	if !actor.Covers(code) {
		return dispatchd.Invalid(dispatchd.FieldError{Field: "region", Message: "outside your jurisdiction"})
	}
	return nil
}

func (s *Service) regionIndex(ctx context.Context) (*regions.Index, error) {
	if s.cfg.Regions == nil {
		return nil, nil
	}
	return s.cfg.Regions.Index(ctx)
}
