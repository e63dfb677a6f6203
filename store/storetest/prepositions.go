package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
	"dispatchd/zones"
)

// zoneList is a ZoneSource over zones held in memory, as the zones
// service would answer.
type zoneList []zones.Zone

func (l zoneList) Zone(_ context.Context, id string) (*zones.Zone, error) {
	for i := range l {
		if l[i].ID == id {
			return &l[i], nil
		}
	}
	return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "zone %s not found", id)
}

func (l zoneList) InForce(_ context.Context, t time.Time) ([]zones.Zone, error) {
	var out []zones.Zone
	for _, z := range l {
		if z.ValidAt(t) {
			out = append(out, z)
		}
	}
	return out, nil
}

// testPrepositions stores the pre-positioning templates with their event,
// plans the red zones in force from a zone source, creates a
// pre-positioning whole or not at all, and keeps it off the incident lists.
func testPrepositions(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	ok(b.svc.SetPrepositionTemplates(c, actor, []dispatch.Template{{Hazard: "flood", Level: zones.Red, Needs: plan.Needs{
		Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 1}}, Items: []resources.ItemQty{{Item: "3010101", Qty: 500}}}}})).get(t)
	if got := ok(s.PrepositionTemplates(c)).get(t); len(got) != 1 || got[0].Needs.Items[0].Qty != 500 {
		t.Fatalf("got templates %+v, want the one set", got)
	}
	evs := events(t, s)
	if last := evs[len(evs)-1]; last.Type != "preposition.templates_updated" {
		t.Fatalf("got last event %s, want preposition.templates_updated", last.Type)
	}
	_, err := b.svc.SetPrepositionTemplates(c, commander, nil)
	wantCode(t, err, dispatchd.EFORBIDDEN)

	now := time.Now().UTC()
	sq := func(lon, lat float64) orb.Polygon {
		return orb.Polygon{{{lon, lat}, {lon + .02, lat}, {lon + .02, lat + .02}, {lon, lat + .02}, {lon, lat}}}
	}
	b.svc.SetZones(zoneList{
		{ID: "zr", Name: "钱塘江滨江段", Hazard: "flood", Level: zones.Red, ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(6 * time.Hour), Geometry: sq(120.19, 30.2)},
		{ID: "zo", Hazard: "flood", Level: zones.Orange, ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(6 * time.Hour), Geometry: sq(120.1, 30.2)},
		{ID: "zw", Hazard: "wind", Level: zones.Red, ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(6 * time.Hour), Geometry: sq(120.0, 30.2)},
		{ID: "zl", Hazard: "flood", Level: zones.Red, ValidFrom: now.Add(12 * time.Hour), ValidTo: now.Add(18 * time.Hour), Geometry: sq(120.3, 30.2)},
	})
	b.sync(t)
	pl := ok(b.svc.PlanPreposition(c, commander, dispatch.PlanPrepositionRequest{})).get(t)
	if len(pl.Zones) != 1 || pl.Zones[0].Zone.Zone != "zr" || len(pl.Zones[0].Dispatch.Tasks) != 1 || len(pl.Zones[0].Dispatch.Orders) == 0 {
		t.Fatalf("got plan %+v, want the red zone in force with a team and bags", pl.Zones)
	}
	if len(pl.Unplanned) != 1 || pl.Unplanned[0].Zone.Zone != "zw" {
		t.Fatalf("got unplanned %+v, want the wind zone, which has no template", pl.Unplanned)
	}
	zp := pl.Zones[0]
	n := len(events(t, s))
	// A team already moved and bags no depot holds: nothing is written.
	_, err = b.svc.CreatePreposition(c, commander, dispatch.CreatePrepositionRequest{Zone: dispatch.ZoneInput{ID: "zr"},
		Tasks: zp.Dispatch.Tasks, Orders: []dispatch.OrderRequest{{Depot: "d1", Lines: []resources.ItemQty{{Item: "3010101", Qty: 5000}}}}})
	wantCode(t, err, dispatchd.ECONFLICT)
	if got := len(events(t, s)); got != n {
		t.Fatalf("a refused pre-positioning wrote %d events", got-n)
	}
	p := ok(b.svc.CreatePreposition(c, commander, dispatch.CreatePrepositionRequest{Zone: dispatch.ZoneInput{ID: "zr"},
		Tasks: zp.Dispatch.Tasks, Orders: zp.Dispatch.Orders})).get(t)
	if p.Status != dispatch.PrepositionActive || p.Zone.Zone != "zr" || p.DeadlineS != dispatch.DefaultDeadline || len(p.Tasks) != 1 {
		t.Fatalf("got %+v", p)
	}
	var created int
	for _, ev := range events(t, s)[n:] {
		if ev.Type == "preposition.created" {
			created++
			var in dispatch.Incident
			noErr(t, json.Unmarshal(ev.Data, &in))
			if in.Kind != dispatch.KindPreposition {
				t.Fatalf("got %s, want a pre-positioning", ev.Data)
			}
		}
	}
	if created != 1 {
		t.Fatalf("got %d preposition.created events, want 1", created)
	}
	if ins := ok(s.ListIncidents(c, dispatch.IncidentFilter{})).get(t); len(ins) != 0 {
		t.Fatalf("the incident list holds %d rows, want none", len(ins))
	}
	if ins := ok(s.ListIncidents(c, dispatch.IncidentFilter{Kind: dispatch.KindPreposition})).get(t); len(ins) != 1 || ins[0].ID != p.ID {
		t.Fatalf("got %+v, want the pre-positioning", ins)
	}
	_, err = b.svc.CreatePreposition(c, commander, dispatch.CreatePrepositionRequest{Zone: dispatch.ZoneInput{ID: "nowhere"}})
	wantCode(t, err, dispatchd.EINVALID)
}
