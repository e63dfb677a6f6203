package dispatch

// Pre-positioning (预置): teams and material moved ahead of a forecast
// hazard to a staging point in a red zone, within a deadline. A
// pre-positioning is stored as a row of the incidents of kind
// KindPreposition, so that its tasks and orders take every path an
// incident's do (reservation, confirm, ship, deliver, acknowledgement,
// escalation, events, scoping); the incident board's lists leave it out
// (IncidentFilter.Kind) and it has an API of its own.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
	"dispatchd/zones"
)

// KindPreposition is the Incident.Kind of a pre-positioning.
const KindPreposition = "preposition"

// ForecastZone names the forecast zone a pre-positioning is for.
type ForecastZone struct {
	Zone   string `json:"zone"`
	Name   string `json:"name,omitempty"`
	Hazard string `json:"hazard"`
	Level  string `json:"level"`
}

// ZoneSource finds forecast zones; the zones service implements it. It is
// optional: without it a request carries its zones.
type ZoneSource interface {
	// Zone returns a zone by id, or ENOTFOUND.
	Zone(ctx context.Context, id string) (*zones.Zone, error)
	// InForce returns the zones in force at t.
	InForce(ctx context.Context, t time.Time) ([]zones.Zone, error)
}

// SetZones sets where pre-positioning finds zones by id and the red zones
// in force; it is safe to call at any time.
func (s *Service) SetZones(src ZoneSource) { s.zones.Store(&src) }

// zoneSource returns the zone source, or nil.
func (s *Service) zoneSource() ZoneSource {
	if p := s.zones.Load(); p != nil {
		return *p
	}
	return nil
}

// ZoneInput names a zone in a request: its id, looked up in the zone
// source when it has one, or the zone itself (hazard, level and a GeoJSON
// Polygon or MultiPolygon, or a staging point).
type ZoneInput struct {
	ID       string          `json:"id"`
	Name     string          `json:"name,omitempty"`
	Hazard   string          `json:"hazard,omitempty"`
	Level    string          `json:"level,omitempty"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// PlanPrepositionRequest asks for a plan: for the zones listed, or for
// every red zone in force at At.
type PlanPrepositionRequest struct {
	Zones     []ZoneInput `json:"zones"`
	At        *time.Time  `json:"at,omitempty"`
	DeadlineS int         `json:"deadline_s"`
	// Staging is the point to stage at, when one zone is planned; else
	// each zone's centroid.
	Staging *geo.Point `json:"staging,omitempty"`
}

// ZonePlan is the plan for one zone: where to stage, what the template
// expects, the ranked teams and depot lines and the dispatch that carries
// them out (ready to POST), what no one can provide, and whether all of it
// arrives within the deadline.
type ZonePlan struct {
	Zone          ForecastZone        `json:"zone"`
	Staging       geo.Point           `json:"staging"`
	DeadlineS     int                 `json:"deadline_s"`
	Needs         plan.Needs          `json:"needs"`
	Suggestion    *plan.Suggestion    `json:"suggestion"`
	Dispatch      DispatchRequest     `json:"dispatch"`
	TeamShortfall int                 `json:"team_shortfall"`
	ItemShortfall []resources.ItemQty `json:"item_shortfall"`
	MeetsDeadline bool                `json:"meets_deadline"`
}

// PrepositionPlan is the answer to a plan request. Unplanned lists the red
// zones in force that have no template; zones in force outside the
// caller's jurisdiction or desk are left out.
type PrepositionPlan struct {
	At        time.Time       `json:"at"`
	Zones     []ZonePlan      `json:"zones"`
	Unplanned []UnplannedZone `json:"unplanned"`
}

// UnplannedZone is a zone a plan could not cover, and why.
type UnplannedZone struct {
	Zone   ForecastZone `json:"zone"`
	Reason string       `json:"reason"`
}

const maxPlanZones = 50

// zonesFor resolves the zones of a request.
func (s *Service) zonesFor(ctx context.Context, in []ZoneInput, at time.Time) ([]zones.Zone, error) {
	var f dispatchd.Fields
	if len(in) > maxPlanZones {
		f.Add("zones", "must list at most %d zones", maxPlanZones)
		return nil, f.Err()
	}
	if len(in) == 0 {
		src := s.zoneSource()
		if src == nil {
			f.Add("zones", "list the zones: no forecast zones are imported here")
			return nil, f.Err()
		}
		all, err := src.InForce(ctx, at)
		if err != nil {
			return nil, fmt.Errorf("zones in force: %w", err)
		}
		var red []zones.Zone
		for _, z := range all {
			if z.Level == zones.Red && z.ValidAt(at) {
				red = append(red, z)
			}
		}
		return red, nil
	}
	out := make([]zones.Zone, 0, len(in))
	for i, zi := range in {
		z, err := s.zoneOf(ctx, resources.Indexed("zones", i), zi)
		if err != nil {
			return nil, err
		}
		out = append(out, *z)
	}
	return out, nil
}

// zoneOf resolves one zone named in a request, field its place.
func (s *Service) zoneOf(ctx context.Context, field string, zi ZoneInput) (*zones.Zone, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, field+".id", &zi.ID, true, 64)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if src := s.zoneSource(); zi.Hazard == "" && zi.Level == "" && len(zi.Geometry) == 0 && src != nil {
		z, err := src.Zone(ctx, zi.ID)
		if err != nil {
			if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
				f.Add(field+".id", "no zone %s", zi.ID)
				return nil, f.Err()
			}
			return nil, fmt.Errorf("zone %s: %w", zi.ID, err)
		}
		return z, nil
	}
	z := &zones.Zone{ID: zi.ID, Name: zi.Name, Hazard: zi.Hazard, Level: zi.Level}
	resources.CheckText(&f, field+".name", &z.Name, false, 200)
	if !typeRE.MatchString(z.Hazard) {
		f.Add(field+".hazard", "must be a lowercase word such as flood")
	}
	if !slices.Contains(zones.Levels, z.Level) {
		f.Add(field+".level", "must be one of %v", zones.Levels)
	}
	if len(zi.Geometry) > 0 {
		g, err := geojson.UnmarshalGeometry(zi.Geometry)
		switch {
		case err != nil:
			f.Add(field+".geometry", "must be a GeoJSON Polygon or MultiPolygon")
		default:
			switch g.Geometry().(type) {
			case orb.Polygon, orb.MultiPolygon:
				z.Geometry = g.Geometry()
			default:
				f.Add(field+".geometry", "must be a GeoJSON Polygon or MultiPolygon, not %s", g.Geometry().GeoJSONType())
			}
		}
	}
	return z, f.Err()
}

// stagingOf returns the point to stage at in z: the point given, else the
// centroid of its area.
func stagingOf(f *dispatchd.Fields, field string, z *zones.Zone, given *geo.Point) geo.Point {
	if given != nil {
		p := *given
		resources.CheckPoint(f, field, &p)
		return p
	}
	if z.Geometry == nil {
		f.Add(field, "is required: zone %s has no area to stage in", z.ID)
		return geo.Point{}
	}
	c, _ := planar.CentroidArea(z.Geometry)
	p := geo.Point{Lon: c[0], Lat: c[1]}
	resources.CheckPoint(f, field, &p)
	return p
}

// zoneLevel maps a zone's level to an incident level (I to IV).
func zoneLevel(l string) int {
	if i := slices.Index(zones.Levels, l); i >= 0 {
		return i + 1
	}
	return 4
}

func checkPrepositionDeadline(f *dispatchd.Fields, d *int) {
	if *d == 0 {
		*d = DefaultDeadline
	}
	if *d < 60 || *d > MaxDeadline {
		f.Add("deadline_s", "must be between 60 and %d seconds", MaxDeadline)
	}
}

// PlanPreposition plans the pre-positioning of each zone: it changes
// nothing.
func (s *Service) PlanPreposition(ctx context.Context, actor dispatchd.Actor, r PlanPrepositionRequest) (*PrepositionPlan, error) {
	now := s.now()
	at := now
	if r.At != nil {
		at = *r.At
	}
	var f dispatchd.Fields
	checkPrepositionDeadline(&f, &r.DeadlineS)
	if r.Staging != nil && len(r.Zones) != 1 {
		f.Add("staging", "is for a plan of one zone")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	zs, err := s.zonesFor(ctx, r.Zones, at)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, s.cfg.ProjectionWait)
	defer cancel()
	if err := s.proj.WaitFor(wctx, s.wrote.Load()); err != nil {
		return nil, err
	}
	out := &PrepositionPlan{At: now, Zones: []ZonePlan{}, Unplanned: []UnplannedZone{}}
	for i := range zs {
		z := &zs[i]
		field := "staging"
		if r.Staging == nil {
			field = resources.Indexed("zones", i) + ".geometry"
		}
		p := stagingOf(&f, field, z, r.Staging)
		if err := f.Err(); err != nil {
			return nil, err
		}
		in, err := s.prepositionIncident(ctx, actor, z, p, r.DeadlineS, now)
		if err != nil {
			if len(r.Zones) > 0 || dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				return nil, err
			}
			// Of the zones in force, those with no template are named;
			// those outside the caller's jurisdiction are not its to plan.
			if len(dispatchd.ErrorFields(err)) == 0 {
				out.Unplanned = append(out.Unplanned, UnplannedZone{
					Zone:   ForecastZone{Zone: z.ID, Name: z.Name, Hazard: z.Hazard, Level: z.Level},
					Reason: dispatchd.ErrorMessage(err)})
			}
			continue
		}
		req := in.Request()
		req.Jurisdiction = actor.Jurisdiction
		sg := s.proj.Suggest(req, plan.Open{Teams: map[string]int{}, Items: map[string]int64{}}, s.cfg.Plan, now)
		s.nameOwners(sg)
		out.Zones = append(out.Zones, zonePlan(in, sg))
	}
	return out, nil
}

// zonePlan sums up the suggestion for a pre-positioning.
func zonePlan(in *Incident, sg *plan.Suggestion) ZonePlan {
	zp := ZonePlan{Zone: *in.Preposition, Staging: in.Location, DeadlineS: in.DeadlineS, Needs: in.Needs,
		Suggestion: sg, Dispatch: PlanRequest(sg), ItemShortfall: []resources.ItemQty{}, MeetsDeadline: true}
	zp.Dispatch.Suggestion = ""
	for _, tp := range sg.Teams {
		zp.TeamShortfall += tp.Shortfall
		for _, pk := range tp.Picks {
			zp.MeetsDeadline = zp.MeetsDeadline && pk.MeetsDeadline && !pk.NeedsSupport
		}
		if tp.Shortfall > 0 || tp.SupportCount > 0 {
			zp.MeetsDeadline = false
		}
	}
	for _, ip := range sg.Items {
		if ip.Shortfall > 0 {
			zp.ItemShortfall = append(zp.ItemShortfall, resources.ItemQty{Item: ip.Item, Qty: ip.Shortfall})
			zp.MeetsDeadline = false
		}
		if ip.SupportQty > 0 {
			zp.MeetsDeadline = false
		}
		for _, l := range ip.Plan {
			zp.MeetsDeadline = zp.MeetsDeadline && l.MeetsDeadline
		}
	}
	return zp
}

// prepositionIncident builds, unsaved, the row a pre-positioning of z
// staged at p is stored as, placed in a region the actor commands.
func (s *Service) prepositionIncident(ctx context.Context, actor dispatchd.Actor, z *zones.Zone, p geo.Point, deadline int, now time.Time) (*Incident, error) {
	needs, err := s.template(ctx, z.Hazard, z.Level)
	if err != nil {
		return nil, err
	}
	in := &Incident{Kind: KindPreposition, Type: z.Hazard, Level: zoneLevel(z.Level), Title: "预置: " + orID(z.Name, z.ID),
		Location: p, Status: Responding, Needs: needs, DeadlineS: deadline, ReportedAt: now.UTC().Truncate(time.Microsecond),
		Preposition: &ForecastZone{Zone: z.ID, Name: z.Name, Hazard: z.Hazard, Level: z.Level}}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := s.placeIncident(ctx, actor, in); err != nil {
		return nil, err
	}
	var f dispatchd.Fields
	checkPlace(&f, actor, in)
	return in, f.Err()
}
