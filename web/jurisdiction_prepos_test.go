package web_test

import (
	"context"

	"dispatchd"
	"dispatchd/auth"
)

// sideAt is where each side's incident lies (newJWorld).
var sideAt = map[string][2]float64{"inA": {119.04, 29.61}, "inM": {119.10, 29.65}, "inB": {119.69, 29.79},
	"inC": {121.55, 29.82}, "inX": {118.80, 32.05}}

// prepositionFields are the fields a pre-positioning placed outside a
// caller's reach is refused on: its depot outside the jurisdiction, its
// hazard outside the desk.
var prepositionFields = []string{"orders[0].depot", "zone.hazard", "type"}

// prepositionBody is a pre-positioning of a side's incident type staged
// at its incident.
func prepositionBody(p place) map[string]any {
	at := sideAt[p.incident]
	return map[string]any{"zone": map[string]any{"id": "walk-" + p.incident, "hazard": incidentType(p), "level": "red"},
		"staging": map[string]float64{"lon": at[0], "lat": at[1]}}
}

// prepositions makes each side a pre-positioning of its incident's type
// and county, with an order on its depot, made by a commander of that
// county (a pre-positioning is placed in a region its maker commands).
func (w *jworld) prepositions() {
	e := w.e
	e.t.Helper()
	e.mustJSON(e.as("admin", "PUT", "/api/v1/preposition-templates", map[string]any{"templates": []any{
		map[string]any{"hazard": "flood", "level": "red", "needs": map[string]any{
			"items": []any{map[string]any{"item": "1010101", "qty": 1}}}},
		map[string]any{"hazard": "mine_accident", "level": "red", "needs": map[string]any{
			"items": []any{map[string]any{"item": "1010101", "qty": 1}}}}}}), 200, nil)
	var users []auth.SeedUser
	for _, side := range []place{chunan, tonglu, yinzhou, xuanwu} {
		users = append(users, auth.SeedUser{Username: "pre-" + teamRegion(side), Role: dispatchd.RoleCommander, Jurisdiction: teamRegion(side)})
	}
	if _, err := auth.NewService(e.store, e.store, 0).EnsureUsers(context.Background(), dispatchd.System, "secret", users); err != nil {
		e.t.Fatal(err)
	}
	for _, u := range users {
		e.tokens[u.Username] = login(e.t, e, u.Username)
	}
	for _, side := range []place{chunan, chunanM, tonglu, yinzhou, xuanwu} {
		b := prepositionBody(side)
		b["orders"] = []any{map[string]any{"depot": side.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 1}}}}
		var p prepositionOut
		e.mustJSON(e.as("pre-"+teamRegion(side), "POST", "/api/v1/prepositions", b), 201, &p)
		if p.Region != regionOf(side) {
			e.t.Fatalf("the pre-positioning of %s is in %q, want %s", side.incident, p.Region, regionOf(side))
		}
		w.ids[side.of("preposition")] = p.ID
	}
}
