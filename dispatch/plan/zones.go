package plan

import (
	"time"

	"github.com/paulmach/orb"

	"dispatchd/geo"
	"dispatchd/zones"
)

// RedZone marks a pick or plan line whose route starts or ends in a red
// risk zone in force when the plan is made.
type RedZone struct {
	// At is "start" (where the team is ranked from, or the depot) or
	// "end" (the incident).
	At     string `json:"at"`
	Zone   string `json:"zone"`
	Hazard string `json:"hazard"`
	Name   string `json:"name,omitempty"`
}

// SetZones gives the projection the risk zones' index, read at each plan
// to mark the picks and lines that start or end in a red zone.
func (p *Projection) SetZones(index func() *zones.Index) { p.zones.Store(&index) }

// markRed marks the suggestion's picks and lines that start or end in a
// red zone in force at s.At. Called under p.mu.
func (p *Projection) markRed(s *Suggestion, end geo.Point) {
	mark := p.redMarker(end, s.At)
	if mark == nil {
		return
	}
	for i := range s.Teams {
		p.markPicks(mark, s.Teams[i].Picks)
		p.markPicks(mark, s.Teams[i].Alternates)
	}
	for i := range s.Items {
		for j := range s.Items[i].Plan {
			l := &s.Items[i].Plan[j]
			if d := p.depots[l.Depot.ID]; d != nil {
				l.RedZone = mark(d.Location)
			}
		}
	}
}

// redMarker returns the marks of a route from a start to end, by the red
// zones in force at t; nil when there are no zones. Called under p.mu.
func (p *Projection) redMarker(end geo.Point, t time.Time) func(start geo.Point) []RedZone {
	fn := p.zones.Load()
	if fn == nil {
		return nil
	}
	x := (*fn)()
	if x.Len() == 0 {
		return nil
	}
	endZone := x.RedAt(orb.Point{end.Lon, end.Lat}, t)
	return func(start geo.Point) []RedZone {
		var out []RedZone
		if z := x.RedAt(orb.Point{start.Lon, start.Lat}, t); z != nil {
			out = append(out, RedZone{At: "start", Zone: z.ID, Hazard: z.Hazard, Name: z.Name})
		}
		if endZone != nil {
			out = append(out, RedZone{At: "end", Zone: endZone.ID, Hazard: endZone.Hazard, Name: endZone.Name})
		}
		return out
	}
}

// markPicks marks each pick by where its team is ranked from. Called
// under p.mu.
func (p *Projection) markPicks(mark func(geo.Point) []RedZone, picks []Pick) {
	for j := range picks {
		if t := p.teams[picks[j].Team.ID]; t != nil {
			picks[j].RedZone = mark(t.at)
		}
	}
}
