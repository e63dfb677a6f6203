package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/dispatch"
	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/resources"
)

// The jurisdiction walk: every route of the API × every scoped caller ×
// an object inside its jurisdiction (and desk) and one outside. Outside
// objects answer 404 on reads and writes, as an unknown id would, and lists
// leave them out; inside ones work. Each route family declares its probe in
// walk below; a route the walk does not classify fails the test, so that a
// new route cannot be forgotten.

// jworld is the small world of the walk: Hangzhou's counties 淳安 (330127)
// and 桐庐 (330122), Ningbo's 鄞州 (330212), and Nanjing's 玄武 (320102) in
// another province. Each county has a team, a depot and a flood incident
// with a task for the team and an order to the depot; 淳安 also a mine
// accident with a second team and depot of its own.
type jworld struct {
	e   *env
	ids map[string]string // name -> id: incidents, tasks ("task@in"), orders ("order@in")
}

// place is what one caller finds on one side of its border: an incident, a
// task, an order, a team and a depot (names in jworld).
type place struct{ incident, task, order, team, depot string }

// jcaller is a user of the walk and what lies inside and outside its reach.
type jcaller struct {
	name    string
	role    dispatchd.Role
	in, out place
	// outside names, by kind of object, an outside object other than
	// out's: a lead's "track" is another team of its county, a manager's
	// "stock" another depot of its county.
	outside map[string]string
}

// outOf is the caller's outside object of a kind.
func (c jcaller) outOf(obj string) string {
	if n, ok := c.outside[obj]; ok {
		return n
	}
	return c.out.of(obj)
}

func (w *jworld) id(name string) string {
	if id, ok := w.ids[name]; ok {
		return id
	}
	return name // teams and depots are named by their ids
}

var (
	chunan   = place{"inA", "task@inA", "order@inA", "tA", "dA"}
	chunanM  = place{"inM", "task@inM", "order@inM", "tM", "dM"}
	tonglu   = place{"inB", "task@inB", "order@inB", "tB", "dB"}
	yinzhou  = place{"inC", "task@inC", "order@inC", "tC", "dC"}
	xuanwu   = place{"inX", "task@inX", "order@inX", "tX", "dX"}
	jcallers = []jcaller{
		{"county", dispatchd.RoleCommander, chunan, tonglu, nil},
		{"city", dispatchd.RoleCommander, tonglu, yinzhou, nil},
		{"province", dispatchd.RoleCommander, yinzhou, xuanwu, nil},
		{"cviewer", dispatchd.RoleViewer, chunan, tonglu, nil},
		// A desk sees its hazard's incidents; teams and depots are not a
		// desk's, only the jurisdiction limits them.
		{"flood-viewer", dispatchd.RoleViewer, chunan, place{"inM", "task@inM", "order@inM", "tX", "dX"}, nil},
		{"flood-commander", dispatchd.RoleCommander, chunan, place{"inM", "task@inM", "order@inM", "tX", "dX"}, nil},
		// A team lead sees its own team's tasks and the orders of the
		// incidents it works on: not those of another team of its county.
		// It reads the teams of its county, but only its own team's track.
		{"clead", dispatchd.RoleTeamLead, chunan, place{"inB", "task@inM", "order@inM", "tB", "dB"}, map[string]string{"track": "tM"}},
		// A depot manager sees its own depots' orders, stock and ledger;
		// the depots of its county it reads.
		{"cmanager", dispatchd.RoleDepotManager, chunan, place{"inB", "task@inB", "order@inM", "tB", "dB"},
			map[string]string{"stock": "dM"}},
		{"cadmin", dispatchd.RoleAdmin, chunan, tonglu, nil},
	}
)

func newJWorld(t *testing.T, e *env) *jworld {
	t.Helper()
	ctx := context.Background()
	sys := dispatchd.System
	reg := resources.NewService(e.store)
	w := &jworld{e: e, ids: map[string]string{}}
	// The tree the world's regions lie in: support requests climb it, the
	// summary rolls it up.
	if err := e.store.PutRegions(ctx, jtree, nil); err != nil {
		t.Fatal(err)
	}
	counties := []struct {
		p      place
		region string
		typ    string
		lon    float64
		lat    float64
	}{
		{chunan, "330127", "flood", 119.04, 29.61},
		{chunanM, "330127", "mine_accident", 119.10, 29.65},
		{tonglu, "330122", "flood", 119.69, 29.79},
		{yinzhou, "330212", "flood", 121.55, 29.82},
		{xuanwu, "320102", "flood", 118.80, 32.05},
	}
	for _, c := range counties {
		at := geo.Point{Lon: c.lon, Lat: c.lat}
		if _, err := reg.CreateTeam(ctx, sys, resources.Team{ID: c.p.team, Name: "队 " + c.p.team, Kind: resources.FireRescue,
			Capabilities: []string{"water_rescue"}, Base: at, Region: c.region}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.CreateDepot(ctx, sys, resources.Depot{ID: c.p.depot, Name: "库 " + c.p.depot, Tier: resources.County,
			Location: at, Region: c.region}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.AdjustStock(ctx, sys, c.p.depot, resources.AdjustRequest{Reason: "采购入库",
			Lines: []resources.Adjustment{{Item: "1010101", Delta: 1000}}}); err != nil {
			t.Fatal(err)
		}
		in, err := e.board.CreateIncident(ctx, sys, dispatch.Incident{Type: c.typ, Level: 3, Title: c.p.incident, Location: at, Region: c.region})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.board.Dispatch(ctx, sys, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: c.p.team}},
			Orders: []dispatch.OrderRequest{{Depot: c.p.depot, Lines: []resources.ItemQty{{Item: "1010101", Qty: 5}}}}})
		if err != nil {
			t.Fatal(err)
		}
		w.ids[c.p.incident], w.ids[c.p.task], w.ids[c.p.order] = in.ID, res.Tasks[0].ID, res.Orders[0].ID
	}
	users := []auth.SeedUser{
		{Username: "county", Role: dispatchd.RoleCommander, Jurisdiction: "330127"},
		{Username: "city", Role: dispatchd.RoleCommander, Jurisdiction: "330100"},
		{Username: "province", Role: dispatchd.RoleCommander, Jurisdiction: "330000"},
		{Username: "cviewer", Role: dispatchd.RoleViewer, Jurisdiction: "330127"},
		{Username: "flood-viewer", Role: dispatchd.RoleViewer, Jurisdiction: "330000", Desk: "flood"},
		{Username: "flood-commander", Role: dispatchd.RoleCommander, Jurisdiction: "330000", Desk: "flood"},
		{Username: "clead", Role: dispatchd.RoleTeamLead, Team: "tA", Jurisdiction: "330127"},
		{Username: "cmanager", Role: dispatchd.RoleDepotManager, Depots: []string{"dA"}, Jurisdiction: "330127"},
		{Username: "cadmin", Role: dispatchd.RoleAdmin, Jurisdiction: "330127"},
	}
	if _, err := auth.NewService(e.store, e.store, 0).EnsureUsers(ctx, sys, "secret", users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		e.tokens[u.Username] = login(t, e, u.Username)
	}
	// Each incident asks the level above its county for support; each
	// county has a user of its own for the scoped admin to manage.
	for _, c := range counties {
		var r struct{ ID string }
		e.mustJSON(e.as("admin", "POST", "/api/v1/support-requests", map[string]any{"incident": w.ids[c.p.incident],
			"needs": map[string]any{"teams": []any{map[string]any{"capability": "water_rescue", "count": 1}}}}), 201, &r)
		w.ids[c.p.of("support")] = r.ID
		var u struct{ ID string }
		e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "u-" + strings.ToLower(c.p.incident),
			"password": "harbour-lamp-42", "role": "viewer", "jurisdiction": c.region}), 201, &u)
		w.ids[c.p.of("user")] = u.ID
	}
	// Each side has a responsible person of its team's county.
	for i, side := range []place{chunan, chunanM, tonglu, yinzhou, xuanwu} {
		w.ids[side.of("person")] = w.person(fmt.Sprintf("1390000%04d", i), teamRegion(side))
	}
	// Each side has a warning to its team's county, and in it the
	// recipient that is the side's person.
	for _, side := range []place{chunan, chunanM, tonglu, yinzhou, xuanwu} {
		var iw struct{ ID string }
		e.mustJSON(e.as("admin", "POST", "/api/v1/warnings", newWarningBody(w, side)), 201, &iw)
		w.ids[side.of("warning")] = iw.ID
		var rs recipientList
		e.mustJSON(e.as("admin", "GET", "/api/v1/warnings/"+iw.ID+"/recipients", nil), 200, &rs)
		for _, r := range rs.Items {
			if r.Person == w.ids[side.of("person")] {
				w.ids[side.of("recipient")] = r.ID
			}
		}
		if w.ids[side.of("recipient")] == "" {
			t.Fatalf("warning %s does not reach person %s", iw.ID, w.ids[side.of("person")])
		}
	}
	// The state at a moment reads from checkpoints: one of this world.
	e.checkpoint()
	return w
}

// newWarningBody is a warning to the county of a side's team.
func newWarningBody(w *jworld, p place) any {
	return newWarning(teamRegion(p))
}

// person records, as the admin, a county's responsible person.
func (w *jworld) person(phone, region string) string {
	var r struct{ ID string }
	w.e.mustJSON(w.e.as("admin", "POST", "/api/v1/responsible-persons", map[string]any{"name": "责任人 " + phone,
		"phone": phone, "region": region, "duty": "county_duty"}), 201, &r)
	return r.ID
}

// jtree is the region tree of the world.
var jtree = []regions.Region{
	{Code: "330000", Name: "浙江省", Level: regions.Province},
	{Code: "330100", Name: "杭州市", Level: regions.City, Parent: "330000"},
	{Code: "330122", Name: "桐庐县", Level: regions.County, Parent: "330100"},
	{Code: "330127", Name: "淳安县", Level: regions.County, Parent: "330100"},
	{Code: "330200", Name: "宁波市", Level: regions.City, Parent: "330000"},
	{Code: "330212", Name: "鄞州区", Level: regions.County, Parent: "330200"},
	{Code: "320000", Name: "江苏省", Level: regions.Province},
	{Code: "320100", Name: "南京市", Level: regions.City, Parent: "320000"},
	{Code: "320102", Name: "玄武区", Level: regions.County, Parent: "320100"},
}

// probe is how the walk checks one route.
type probe struct {
	// kind: "unscoped" (the route touches nothing of a jurisdiction),
	// "read" or "write" (the :id is an object of the caller's side),
	// "list" (the items hold the inside object and not the outside one),
	// "create" (a body placed inside is made, one outside refused),
	// "ingest" (positions: inside accepted, outside rejected per item in
	// a 200 answer), "deployment" (the whole deployment's: every scoped
	// caller is refused with 403).
	kind string
	// obj is what fills :id (incident, task, order, team, depot, track,
	// stock, support, user, tracker) or, for a list, what its items are.
	obj string
	// of, for a list under an id, is what fills the :id.
	of string
	// query follows the path; its :region is the region of the side's
	// team.
	query string
	body  func(w *jworld, p place) any
	// ok lists the statuses that show an inside call got past the gate:
	// a write may meet the state rules (409) once another caller has
	// moved the object.
	ok []int
	// fields are those a create placed outside may be refused on (its
	// region, or its type for a desk); notFound says that it answers 404
	// instead, as for an unknown id.
	fields   []string
	notFound bool
	// fresh makes the objects of a write that uses them up (a delete):
	// the inside and outside names for this caller.
	fresh   func(w *jworld, c jcaller) (in, out string)
	why     string
	headers []string
}

// walk classifies every route of the API.
var walk = map[string]probe{
	"GET /healthz":                {kind: "unscoped", why: "health"},
	"GET /readyz":                 {kind: "unscoped", why: "health"},
	"GET /metrics":                {kind: "unscoped", why: "counts, no objects"},
	"GET /api/v1/openapi.json":    {kind: "unscoped", why: "the document"},
	"GET /":                       {kind: "unscoped", why: "a page"},
	"GET /screen":                 {kind: "unscoped", why: "a page"},
	"GET /lead":                   {kind: "unscoped", why: "a page"},
	"GET /depot":                  {kind: "unscoped", why: "a page"},
	"GET /ui/*":                   {kind: "unscoped", why: "the pages' files"},
	"GET /map/boundaries.geojson": {kind: "unscoped", why: "the map's boundaries"},
	"GET /map/boundaries.pmtiles": {kind: "unscoped", why: "the map's boundaries"},
	"GET /api/v1/map":             {kind: "unscoped", why: "the map's configuration"},
	"POST /api/v1/auth/login":     {kind: "unscoped", why: "one's own login"},
	"POST /api/v1/auth/logout":    {kind: "unscoped", why: "one's own login"},
	"POST /api/v1/auth/refresh":   {kind: "unscoped", why: "one's own login"},
	"GET /api/v1/auth/me":         {kind: "unscoped", why: "one's own user"},
	"GET /api/v1/items":           {kind: "unscoped", why: "the catalog is everyone's"},
	"POST /api/v1/items":          {kind: "unscoped", why: "the catalog is everyone's"},
	"GET /api/v1/items/:code":     {kind: "unscoped", why: "the catalog is everyone's"},
	"PATCH /api/v1/items/:code":   {kind: "unscoped", why: "the catalog is everyone's"},
	"DELETE /api/v1/items/:code":  {kind: "unscoped", why: "the catalog is everyone's"},
	"GET /api/v1/regions":         {kind: "unscoped", why: "the region tree is everyone's: codes, names, outlines"},
	"GET /api/v1/regions/:code":   {kind: "unscoped", why: "the region tree is everyone's: codes, names, outlines"},
	"GET /osmand":                 {kind: "unscoped", why: "trackers' fixes, bound to their team by device"},
	"POST /osmand":                {kind: "unscoped", why: "trackers' fixes, bound to their team by device"},
	"GET /api/v1/ws":              {kind: "unscoped", why: "checked over real websockets in TestJurisdictionWebsocket"},
	"GET /api/v1/zones":           {kind: "unscoped", why: "risk zones are the whole deployment's: every reader sees them all"},
	"POST /api/v1/zones":          {kind: "unscoped", why: "risk zones are the whole deployment's: a commander of any jurisdiction imports them"},

	// The region tree is the whole deployment's.
	"POST /api/v1/import/regions": {kind: "deployment", headers: []string{"Content-Type", "text/csv"}, body: func(*jworld, place) any {
		return "code,name\n330000,浙江省\n330100,杭州市\n330127,淳安县\n"
	}},
	"POST /api/v1/import/boundaries": {kind: "deployment", headers: []string{"Content-Type", "application/geo+json"}, body: func(*jworld, place) any {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330127"},` +
			`"geometry":{"type":"Polygon","coordinates":[[[118.5,29],[119.5,29],[119.5,30],[118.5,30],[118.5,29]]]}}]}`
	}},

	// The incident board.
	"GET /api/v1/incidents": {kind: "list", obj: "incident"},
	"POST /api/v1/incidents": {kind: "create", obj: "incident", fields: []string{"region", "type"}, body: func(w *jworld, p place) any {
		return map[string]any{"type": incidentType(p), "level": 4, "title": "walk", "location": map[string]float64{"lon": 119.5, "lat": 29.7},
			"region": regionOf(p)}
	}},
	"GET /api/v1/incidents/:id": {kind: "read", obj: "incident"},
	"PATCH /api/v1/incidents/:id": {kind: "write", obj: "incident", body: func(*jworld, place) any {
		return map[string]any{"description": "walked"}
	}},
	"POST /api/v1/incidents/:id/status": {kind: "write", obj: "incident", body: func(*jworld, place) any {
		return map[string]any{"status": "responding"} // as it is: changes nothing
	}},
	"GET /api/v1/incidents/:id/timeline":    {kind: "read", obj: "incident"},
	"GET /api/v1/incidents/:id/suggestions": {kind: "read", obj: "incident"},
	"GET /api/v1/incidents/:id/review":      {kind: "read", obj: "incident"},
	"POST /api/v1/incidents/:id/dispatch": {kind: "write", obj: "incident", ok: []int{201}, body: func(w *jworld, p place) any {
		return map[string]any{"orders": []any{map[string]any{"depot": p.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 1}}}}}
	}},
	"POST /api/v1/incidents/:id/tasks": {kind: "write", obj: "incident", ok: []int{409}, body: func(w *jworld, p place) any {
		return map[string]any{"team": p.team} // busy on its own task
	}},
	"POST /api/v1/incidents/:id/orders": {kind: "write", obj: "incident", ok: []int{201}, body: func(w *jworld, p place) any {
		return map[string]any{"depot": p.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 1}}}
	}},
	"GET /api/v1/incidents/:id/tasks":  {kind: "list", obj: "task", of: "incident"},
	"GET /api/v1/incidents/:id/orders": {kind: "list", obj: "order", of: "incident"},

	"GET /api/v1/tasks":     {kind: "list", obj: "task"},
	"GET /api/v1/tasks/:id": {kind: "read", obj: "task"},
	"POST /api/v1/tasks/:id/ack": {kind: "write", obj: "task", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{}
	}},
	"POST /api/v1/tasks/:id/status": {kind: "write", obj: "task", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{"status": "en_route"}
	}},
	"POST /api/v1/tasks/:id/decline": {kind: "write", obj: "task", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{"reason": "walked"}
	}},
	"POST /api/v1/tasks/:id/cancel": {kind: "write", obj: "task", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{}
	}},
	"POST /api/v1/tasks/:id/replace": {kind: "write", obj: "task", ok: []int{201, 409}, body: func(w *jworld, p place) any {
		return map[string]any{"team": p.team}
	}},

	"GET /api/v1/orders":     {kind: "list", obj: "order"},
	"GET /api/v1/orders/:id": {kind: "read", obj: "order"},
	"POST /api/v1/orders/:id/confirm": {kind: "write", obj: "order", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{}
	}},
	"POST /api/v1/orders/:id/reject": {kind: "write", obj: "order", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{"reason": "walked"}
	}},
	"POST /api/v1/orders/:id/ship": {kind: "write", obj: "order", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{}
	}},
	"POST /api/v1/orders/:id/deliver": {kind: "write", obj: "order", ok: []int{200, 403, 409}, body: func(*jworld, place) any {
		return map[string]any{}
	}},
	"POST /api/v1/orders/:id/cancel": {kind: "write", obj: "order", ok: []int{200, 409}, body: func(*jworld, place) any {
		return map[string]any{}
	}},

	"GET /api/v1/events": {kind: "list", obj: "event", query: "?since=0&limit=1000"},
	"GET /api/v1/replay": {kind: "list", obj: "event", query: "?from=:from&to=:to"},
	"GET /api/v1/audit":  {kind: "list", obj: "event", query: "?limit=1000"},
	// The state at a moment: a checkpoint is taken when the world is built.
	"GET /api/v1/state": {kind: "list", obj: "incident", query: "?at=:now"},

	// Support requests: seen by either side; the side asked declines
	// (the asking side is refused with 403, having seen it), either
	// side closes.
	"GET /api/v1/support-requests": {kind: "list", obj: "support"},
	"POST /api/v1/support-requests": {kind: "create", obj: "support", notFound: true, body: func(w *jworld, p place) any {
		to := "320000" // another province: never the caller's own
		if p.incident == "inX" {
			to = "330000"
		}
		return map[string]any{"incident": w.id(p.incident), "to": to,
			"needs": map[string]any{"teams": []any{map[string]any{"capability": "water_rescue", "count": 1}}}}
	}},
	"GET /api/v1/support-requests/:id": {kind: "read", obj: "support"},
	"POST /api/v1/support-requests/:id/decline": {kind: "write", obj: "support", fresh: askedOfCaller, body: func(*jworld, place) any {
		return map[string]any{"reason": "walked"}
	}},
	"POST /api/v1/support-requests/:id/close": {kind: "write", obj: "support", fresh: askedByCaller, body: func(*jworld, place) any {
		return map[string]any{"reason": "walked"}
	}},

	// The roll-up of a region.
	"GET /api/v1/summary": {kind: "read", query: "?region=:region"},
	// Coverage of a county within the jurisdiction; the walk's regions
	// have no outline: no cells, and no move-up.
	"GET /api/v1/coverage":            {kind: "read", query: "?region=:region&capability=water_rescue"},
	"GET /api/v1/coverage/move-up":    {kind: "read", query: "?region=:region&capability=water_rescue"},
	"GET /api/v1/coverage/population": {kind: "read", query: "?region=:region"},
	// The population layer is the whole deployment's, replaced whole.
	"PUT /api/v1/coverage/population": {kind: "deployment", body: func(*jworld, place) any {
		return map[string]any{"type": "FeatureCollection", "features": []any{}}
	}},
	// A jurisdiction's scores against the review targets.
	"GET /api/v1/reviews/scores":        {kind: "read", query: "?region=:region"},
	"GET /api/v1/review-targets":        {kind: "unscoped", why: "the review targets are the whole deployment's standard"},
	"GET /api/v1/preposition-templates": {kind: "unscoped", why: "the templates are the whole deployment's standard"},
	"PUT /api/v1/preposition-templates": {kind: "deployment", body: func(*jworld, place) any {
		return map[string]any{"templates": []any{}}
	}},
	// Pre-positionings are rows of the incidents, scoped as theirs: each
	// side has one of its incident's type staged at its incident
	// (jworld.prepositions).
	"GET /api/v1/prepositions": {kind: "list", obj: "preposition"},
	"POST /api/v1/prepositions": {kind: "create", obj: "preposition", fields: prepositionFields, body: func(w *jworld, p place) any {
		b := prepositionBody(p)
		b["orders"] = []any{map[string]any{"depot": p.depot, "lines": []any{map[string]any{"item": "1010101", "qty": 1}}}}
		return b
	}},
	// A plan changes nothing and names no object: wherever it stages, it
	// is placed in a region the caller commands and drawn from its own
	// teams and depots (TestPrepositionScope checks the depot).
	"POST /api/v1/prepositions/plan": {kind: "unscoped", why: "changes nothing; planned in the caller's own region from its own resources"},
	"GET /api/v1/prepositions/:id":   {kind: "read", obj: "preposition"},
	// Cancelled, a second cancel changes nothing.
	"POST /api/v1/prepositions/:id/cancel": {kind: "write", obj: "preposition", body: emptyBody},
	"PUT /api/v1/review-targets": {kind: "deployment", body: func(*jworld, place) any {
		return map[string]any{"targets": []map[string]any{{"metric": "ack", "type": "", "level": 0, "seconds": 90}}}
	}},

	// The registry.
	"GET /api/v1/teams":                   {kind: "list", obj: "team"},
	"POST /api/v1/teams":                  {kind: "create", obj: "team", fields: []string{"region"}, body: newTeamBody},
	"GET /api/v1/teams/:id":               {kind: "read", obj: "team"},
	"PATCH /api/v1/teams/:id":             {kind: "write", obj: "team", body: emptyBody},
	"DELETE /api/v1/teams/:id":            {kind: "write", obj: "team", ok: []int{204}, fresh: freshTeam},
	"GET /api/v1/teams/:id/track":         {kind: "read", obj: "track"},
	"GET /api/v1/depots":                  {kind: "list", obj: "depot"},
	"POST /api/v1/depots":                 {kind: "create", obj: "depot", fields: []string{"region"}, body: newDepotBody},
	"GET /api/v1/depots/:id":              {kind: "read", obj: "depot"},
	"PATCH /api/v1/depots/:id":            {kind: "write", obj: "depot", body: emptyBody},
	"DELETE /api/v1/depots/:id":           {kind: "write", obj: "depot", ok: []int{204}, fresh: freshDepot},
	"GET /api/v1/depots/:id/stock":        {kind: "read", obj: "stock"},
	"GET /api/v1/depots/:id/stock/ledger": {kind: "read", obj: "stock"},
	"POST /api/v1/depots/:id/stock/adjustments": {kind: "write", obj: "stock", body: func(*jworld, place) any {
		return map[string]any{"reason": "walked", "lines": []any{map[string]any{"item": "1010101", "delta": 1}}}
	}},
	"GET /api/v1/stock": {kind: "list", obj: "stock", query: "?item=1010101"},
	"POST /api/v1/import/:kind": {kind: "create", obj: "team", fields: []string{"region"}, headers: []string{"Content-Type", "text/csv"}, ok: []int{200},
		body: func(w *jworld, p place) any {
			return "id,name,kind,capabilities,lon,lat,region\nimp-" + p.team + ",walk,fire_rescue,water_rescue,119.5,29.7," + teamRegion(p) + "\n"
		}},
	"POST /api/v1/trackers": {kind: "create", obj: "team", fields: []string{"team"}, body: func(w *jworld, p place) any {
		return map[string]any{"team": p.team}
	}},
	"DELETE /api/v1/trackers/:id": {kind: "write", obj: "tracker", ok: []int{204}, fresh: freshTrackers},
	"POST /api/v1/positions": {kind: "ingest", obj: "team", body: func(w *jworld, p place) any {
		return map[string]any{"positions": []any{map[string]any{"team": p.team, "lon": 119.5, "lat": 29.7,
			"ts": time.Now().UTC().Format(time.RFC3339Nano)}}}
	}},
	// Responsible persons: each of its county.
	"GET /api/v1/responsible-persons":        {kind: "list", obj: "person"},
	"POST /api/v1/responsible-persons":       {kind: "create", obj: "person", fields: []string{"region"}, body: newPersonBody},
	"GET /api/v1/responsible-persons/:id":    {kind: "read", obj: "person"},
	"PATCH /api/v1/responsible-persons/:id":  {kind: "write", obj: "person", body: emptyBody},
	"DELETE /api/v1/responsible-persons/:id": {kind: "write", obj: "person", ok: []int{204}, fresh: freshPerson},
	"POST /api/v1/import/persons": {kind: "create", obj: "person", fields: []string{"region"}, headers: []string{"Content-Type", "text/csv"},
		ok: []int{200}, body: func(w *jworld, p place) any {
			return "name,phone,region,duty\nwalk," + nextPhone() + "," + teamRegion(p) + ",county_duty\n"
		}},
	// Warnings: each to its county; a warning is the caller's when it
	// reaches its jurisdiction.
	"GET /api/v1/warnings":             {kind: "list", obj: "warning"},
	"POST /api/v1/warnings":            {kind: "create", obj: "warning", fields: []string{"areas[0].regions[0]"}, body: newWarningBody},
	"GET /api/v1/warnings/:id":         {kind: "read", obj: "warning"},
	"GET /api/v1/warnings/:id/summary": {kind: "read", obj: "warning"},
	// An outside warning's recipients are 404, as an unknown warning's.
	"GET /api/v1/warnings/:id/recipients": {kind: "read", obj: "warning"},
	// A second answer changes nothing: every caller answers the same.
	"POST /api/v1/warnings/:id/recipients/:rid/answer": {kind: "write", obj: "recipient", body: emptyBody},
	"GET /a/:code":  {kind: "unscoped", why: "the one-tap page: the code is the credential, for one recipient"},
	"POST /a/:code": {kind: "unscoped", why: "the one-tap page: the code is the credential, for one recipient"},
	// Users: an administrator of a jurisdiction manages its users.
	"GET /api/v1/users": {kind: "list", obj: "user"},
	"POST /api/v1/users": {kind: "create", obj: "user", fields: []string{"jurisdiction"}, body: func(w *jworld, p place) any {
		return map[string]any{"username": "walk-" + strings.ToLower(p.incident), "password": "harbour-lamp-42", "role": "viewer",
			"jurisdiction": regionOf(p)}
	}},
	"GET /api/v1/users/:id": {kind: "read", obj: "user"},
	"PATCH /api/v1/users/:id": {kind: "write", obj: "user", body: func(*jworld, place) any {
		return map[string]any{"disabled": false}
	}},
}

// freshTeam and freshDepot register, for a caller's delete, a team or a
// depot of its own side that nothing uses; the outside one is the
// world's (it must survive).
func freshTeam(w *jworld, c jcaller) (string, string) {
	id := "del-" + c.name + "-" + c.in.team
	w.e.mustJSON(w.e.as("admin", "POST", "/api/v1/teams", map[string]any{"id": id, "name": "walk " + id, "kind": "fire_rescue",
		"capabilities": []string{"water_rescue"}, "base": map[string]float64{"lon": 119.5, "lat": 29.7}, "region": teamRegion(c.in)}), 201, nil)
	return id, c.outOf("team")
}

func freshDepot(w *jworld, c jcaller) (string, string) {
	id := "del-" + c.name + "-" + c.in.depot
	w.e.mustJSON(w.e.as("admin", "POST", "/api/v1/depots", map[string]any{"id": id, "name": "walk " + id, "tier": "county",
		"location": map[string]float64{"lon": 119.5, "lat": 29.7}, "region": teamRegion(c.in)}), 201, nil)
	return id, c.outOf("depot")
}

// askedOfCaller is a new request addressed to the caller's jurisdiction
// by an incident outside it (the asked side declines); askedByCaller a
// new one from the caller's own incident (the asking side closes). The
// outside one is the world's.
func askedOfCaller(w *jworld, c jcaller) (string, string) {
	j := jurisdictionOf[c.name]
	from := map[string]string{"330127": "inB", "330100": "inC", "330000": "inX"}[j]
	return w.ask(from, j), c.outOf("support")
}

func askedByCaller(w *jworld, c jcaller) (string, string) {
	return w.ask(c.in.incident, "320000"), c.outOf("support")
}

// ask makes the admin ask region to for support on incident in.
func (w *jworld) ask(in, to string) string {
	var r struct{ ID string }
	w.e.mustJSON(w.e.as("admin", "POST", "/api/v1/support-requests", map[string]any{"incident": w.id(in), "to": to,
		"needs": map[string]any{"teams": []any{map[string]any{"capability": "water_rescue", "count": 1}}}}), 201, &r)
	return r.ID
}

// jurisdictionOf is each commanding caller's jurisdiction.
var jurisdictionOf = map[string]string{"county": "330127", "city": "330100", "province": "330000", "flood-commander": "330000",
	"cadmin": "330127"}

// freshTrackers registers a tracker for the team of each side.
func freshTrackers(w *jworld, c jcaller) (string, string) {
	var in, out struct{ ID string }
	w.e.mustJSON(w.e.as("admin", "POST", "/api/v1/trackers", map[string]any{"team": c.in.team}), 201, &in)
	w.e.mustJSON(w.e.as("admin", "POST", "/api/v1/trackers", map[string]any{"team": c.outOf("team")}), 201, &out)
	return in.ID, out.ID
}

func emptyBody(*jworld, place) any { return map[string]any{} }

// phones numbers the persons the walk creates.
var phones atomic.Int64

func nextPhone() string { return fmt.Sprintf("1381%07d", phones.Add(1)) }

func newPersonBody(w *jworld, p place) any {
	return map[string]any{"name": "walk " + p.team, "phone": nextPhone(), "region": teamRegion(p), "duty": "county_duty"}
}

// freshPerson records, for a caller's delete, a person of its own side;
// the outside one is the world's.
func freshPerson(w *jworld, c jcaller) (string, string) {
	return w.person(nextPhone(), teamRegion(c.in)), c.outOf("person")
}

func newTeamBody(w *jworld, p place) any {
	return map[string]any{"name": "walk " + p.team, "kind": "fire_rescue", "capabilities": []string{"water_rescue"},
		"base": map[string]float64{"lon": 119.5, "lat": 29.7}, "region": teamRegion(p)}
}

func newDepotBody(w *jworld, p place) any {
	return map[string]any{"name": "walk " + p.depot, "tier": "county", "location": map[string]float64{"lon": 119.5, "lat": 29.7},
		"region": teamRegion(p)}
}

// regionOf and incidentType are where an object of a side lies and what
// type its incident is.
func regionOf(p place) string {
	return map[string]string{"inA": "330127", "inM": "330127", "inB": "330122", "inC": "330212", "inX": "320102"}[p.incident]
}

// teamRegion is where a side's team (and depot of the same letter) lies.
func teamRegion(p place) string {
	return map[string]string{"tA": "330127", "tM": "330127", "tB": "330122", "tC": "330212", "tX": "320102"}[p.team]
}

func incidentType(p place) string {
	if p.incident == "inM" {
		return "mine_accident"
	}
	return "flood"
}

func (p place) of(obj string) string {
	switch obj {
	case "incident":
		return p.incident
	case "task":
		return p.task
	case "order":
		return p.order
	case "depot", "stock":
		return p.depot
	case "team", "track", "tracker":
		return p.team
	case "support":
		return "support@" + p.incident
	case "user":
		return "user@" + p.incident
	case "person":
		return "person@" + p.team
	case "warning":
		return "warning@" + p.team
	case "recipient":
		return "recipient@" + p.team
	case "preposition":
		return "preposition@" + p.incident
	}
	return ""
}

// TestJurisdictionWalk walks every route × scoped caller × inside and
// outside: see the top of the file.
func TestJurisdictionWalk(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newJWorld(t, e)
		w.prepositions()
		routes := e.srv.Routes()
		seen := map[string]bool{}
		var live []dispatchdRoute
		for _, rt := range routes {
			key := rt.Method + " " + rt.Path
			seen[key] = true
			p, ok := walk[key]
			if !ok {
				t.Errorf("route %s is not in the jurisdiction walk: say how it is scoped", key)
				continue
			}
			live = append(live, dispatchdRoute{rt.Method, rt.Path, rt.Roles, p})
		}
		for key := range walk {
			if !seen[key] {
				t.Errorf("the jurisdiction walk has %s, which is not a route", key)
			}
		}
		for _, r := range live {
			for _, c := range jcallers {
				if slices.Contains(r.roles, c.role) {
					w.check(t.Errorf, r, c)
				}
			}
		}
		t.Logf("%d routes walked", len(live))
	})
}

type dispatchdRoute struct {
	method, path string
	roles        []dispatchd.Role
	p            probe
}

// check runs one probe for one caller, reporting failures to fail.
func (w *jworld) check(fail func(string, ...any), r dispatchdRoute, c jcaller) {
	e, p := w.e, r.p
	now := time.Now().UTC() // the state's moment; the replay's window, the hour before
	inName, outName := c.in.of(p.obj), c.outOf(p.obj)
	if p.fresh != nil {
		inName, outName = p.fresh(w, c)
	}
	// path fills the route for one side: its object's id, its team's
	// region.
	path := func(side place, name string) string {
		id, rid := w.id(name), ""
		if strings.Contains(r.path, ":rid") { // a warning's recipient: :id is its warning
			id, rid = w.id(side.of("warning")), w.id(name)
		}
		return strings.NewReplacer(":id", id, ":rid", rid, ":kind", "teams").Replace(r.path) +
			strings.NewReplacer(":region", teamRegion(side), ":now", now.Format(time.RFC3339Nano),
				":from", now.Add(-59*time.Minute).Format(time.RFC3339), ":to", now.Add(time.Minute).Format(time.RFC3339)).Replace(p.query)
	}
	body := func(side place) any {
		if p.body != nil {
			return p.body(w, side)
		}
		if r.method == "POST" || r.method == "PATCH" {
			return map[string]any{}
		}
		return nil
	}
	name := fmt.Sprintf("%s %s as %s", r.method, r.path, c.name)
	if p.obj == "" {
		inName, outName = teamRegion(c.in), teamRegion(c.out)
	}
	switch p.kind {
	case "unscoped":
	case "deployment":
		if got := e.as(c.name, r.method, path(c.in, ""), body(c.in), p.headers...); got.status != 403 {
			fail("%s: got %d, want 403 (the whole deployment's): %.200s", name, got.status, got.body)
		}
	case "read":
		if got := e.as(c.name, r.method, path(c.out, outName), nil); got.status != 404 {
			fail("%s, outside %s %s: got %d, want 404: %.200s", name, p.obj, outName, got.status, got.body)
		}
		if got := e.as(c.name, r.method, path(c.in, inName), nil); got.status != 200 {
			fail("%s, inside %s %s: got %d, want 200: %.200s", name, p.obj, inName, got.status, got.body)
		}
	case "write":
		if got := e.as(c.name, r.method, path(c.out, outName), body(c.out)); got.status != 404 {
			fail("%s, outside %s %s: got %d, want 404: %.200s", name, p.obj, outName, got.status, got.body)
		}
		ok := p.ok
		if ok == nil {
			ok = []int{200}
		}
		if got := e.as(c.name, r.method, path(c.in, inName), body(c.in)); !slices.Contains(ok, got.status) {
			fail("%s, inside %s %s: got %d, want one of %v: %.200s", name, p.obj, inName, got.status, ok, got.body)
		}
	case "list":
		for _, side := range []place{c.in, c.out} {
			at := path(side, side.of(p.of))
			got := e.as(c.name, r.method, at, nil)
			if got.status != 200 {
				fail("%s: got %d, want 200: %.200s", name, got.status, got.body)
				return
			}
			ids := w.listed(got.body, p.obj)
			in, out := w.id(inName), w.id(outName)
			if p.obj == "event" {
				in, out = w.id(c.in.incident), w.id(c.out.incident)
			}
			if side == c.in && !slices.Contains(ids, in) {
				fail("%s: the list misses inside %s %s", name, p.obj, inName)
			}
			if slices.Contains(ids, out) {
				fail("%s: the list shows outside %s %s", name, p.obj, outName)
			}
			if p.of == "" {
				break
			}
		}
	case "ingest":
		for _, side := range []place{c.in, c.out} {
			var res struct {
				Accepted int
				Rejected []struct{ Reason string }
			}
			got := e.as(c.name, r.method, path(side, ""), body(side))
			_ = json.Unmarshal(got.body, &res)
			want, reasons := 1, []string{}
			if side == c.out {
				want, reasons = 0, []string{"unknown_team"}
				if c.role == dispatchd.RoleTeamLead {
					reasons = []string{"other_team"}
				}
			}
			var gotReasons []string
			for _, rj := range res.Rejected {
				gotReasons = append(gotReasons, rj.Reason)
			}
			if got.status != 200 || res.Accepted != want || !slices.Equal(append([]string{}, gotReasons...), reasons) {
				fail("%s, team %s: got %d, want 200 with %d accepted, rejected %v: %.200s", name, side.team, got.status, want, reasons, got.body)
			}
		}
	case "create":
		ok := p.ok
		if ok == nil {
			ok = []int{201}
		}
		if got := e.as(c.name, r.method, path(c.in, ""), body(c.in), p.headers...); !slices.Contains(ok, got.status) {
			fail("%s, placed inside: got %d, want one of %v: %.200s", name, got.status, ok, got.body)
		}
		got := e.as(c.name, r.method, path(c.out, ""), body(c.out), p.headers...)
		if p.notFound {
			if got.status != 404 {
				fail("%s, about outside %s: got %d, want 404 as for an unknown one: %.300s", name, c.out.incident, got.status, got.body)
			}
			return
		}
		// Refused as invalid input (400 with the field), as the API
		// answers every field error.
		var pr problem
		_ = json.Unmarshal(got.body, &pr)
		named := false
		for _, fe := range pr.Errors {
			named = named || slices.Contains(p.fields, fe.Field)
		}
		if got.status != 400 || !named || !strings.Contains(string(got.body), "outside your jurisdiction") &&
			!strings.Contains(string(got.body), "your desk") && !strings.Contains(string(got.body), "unknown team") {
			fail("%s, placed outside: got %d, want 400 naming %v outside: %.300s", name, got.status, p.fields, got.body)
		}
	default:
		fail("%s: unknown probe kind %q", name, p.kind)
	}
}

// listed returns the ids of a list's items; for events, their subjects.
func (w *jworld) listed(body []byte, obj string) []string {
	var l struct {
		Items     []map[string]any
		Available map[string]int64
		Events    []map[string]any // GET /api/v1/replay
		Incidents []map[string]any // GET /api/v1/state
	}
	_ = json.Unmarshal(body, &l)
	if l.Incidents != nil && obj == "incident" {
		l.Items = l.Incidents
	}
	if l.Available != nil { // GET /api/v1/stock: depot -> quantity
		var out []string
		for d := range l.Available {
			out = append(out, d)
		}
		return out
	}
	key := "id"
	if obj == "event" {
		key = "subject"
	}
	var out []string
	for _, it := range append(l.Items, l.Events...) {
		if v, ok := it[key].(string); ok {
			out = append(out, v)
		}
	}
	return out
}

// TestJurisdictionEventsPaging pages through GET /api/v1/events as a county
// commander a few events at a time: pages may be short or empty, yet
// next_since always moves on to the last event read, so the walk ends
// having seen every event of the county and none of another.
func TestJurisdictionEventsPaging(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := newJWorld(t, e)
	var all struct {
		Items []struct{ ID int64 }
	}
	e.mustJSON(e.as("admin", "GET", "/api/v1/events?since=0&limit=1000", nil), 200, &all)
	last := all.Items[len(all.Items)-1].ID
	since, pages, short := int64(0), 0, 0
	var subjects []string
	for {
		var page struct {
			Items []struct {
				ID      int64
				Subject string
			}
			NextSince int64 `json:"next_since"`
			More      bool
		}
		e.mustJSON(e.as("county", "GET", fmt.Sprintf("/api/v1/events?since=%d&limit=3", since), nil), 200, &page)
		pages++
		if len(page.Items) < 3 && page.More {
			short++
		}
		if page.More && page.NextSince <= since {
			t.Fatalf("next_since %d after %d: the walk would not move", page.NextSince, since)
		}
		for _, ev := range page.Items {
			subjects = append(subjects, ev.Subject)
		}
		since = page.NextSince
		if !page.More {
			break
		}
		if pages > 1000 {
			t.Fatal("the walk does not end")
		}
	}
	if since != last {
		t.Errorf("the walk ended at %d, want the last event %d", since, last)
	}
	if short == 0 {
		t.Errorf("no page was short: the world should hide events from the county")
	}
	for _, in := range []string{"inA", "inM", "task@inA", "order@inA"} {
		if !slices.Contains(subjects, w.id(in)) {
			t.Errorf("the county's walk missed the events of %s", in)
		}
	}
	for _, out := range []string{"inB", "inC", "inX", "task@inB", "order@inC"} {
		if slices.Contains(subjects, w.id(out)) {
			t.Errorf("the county's walk saw the events of %s", out)
		}
	}
}

// TestJurisdictionDispatch: a county commander commits only its own
// county's teams and depots (a field error that says to ask for support),
// an incident it records without a region is its county's, and every
// event the board writes names the regions it concerns, escalations
// included.
func TestJurisdictionDispatch(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		w := newJWorld(t, e)
		inA := w.id("inA")
		p := e.mustProblem(e.as("county", "POST", "/api/v1/incidents/"+inA+"/dispatch", map[string]any{
			"tasks":  []any{map[string]any{"team": "tB"}},
			"orders": []any{map[string]any{"depot": "dB", "lines": []any{map[string]any{"item": "1010101", "qty": 1}}}}}),
			400, "tasks[0].team", "orders[0].depot")
		for _, fe := range p.Errors {
			if !strings.Contains(fe.Message, "belongs to 330122, outside your jurisdiction 330127; ask for support") {
				t.Errorf("%s: got %q, want it to say whose it is and to ask for support", fe.Field, fe.Message)
			}
		}
		// The city above both counties may.
		e.mustJSON(e.as("city", "POST", "/api/v1/incidents/"+inA+"/orders", map[string]any{"depot": "dB",
			"lines": []any{map[string]any{"item": "1010101", "qty": 1}}}), 201, nil)
		e.mustJSON(e.as("admin", "POST", "/api/v1/tasks/"+w.id("task@inA")+"/cancel", nil), 200, nil)
		e.mustProblem(e.as("county", "POST", "/api/v1/tasks/"+w.id("task@inA")+"/replace", map[string]any{"team": "tB"}), 400, "team")

		// It may not move an incident out of its county, nor to a type
		// its desk does not work.
		e.mustProblem(e.as("county", "PATCH", "/api/v1/incidents/"+inA, map[string]any{"region": "330122"}), 400, "region")
		e.mustProblem(e.as("flood-commander", "PATCH", "/api/v1/incidents/"+inA, map[string]any{"type": "mine_accident"}), 400, "type")
		e.mustJSON(e.as("county", "PATCH", "/api/v1/incidents/"+inA, map[string]any{"level": 2}), 200, nil)

		var in struct{ Region string }
		e.mustJSON(e.as("county", "POST", "/api/v1/incidents", map[string]any{"type": "flood", "level": 4, "title": "无区县",
			"location": map[string]float64{"lon": 119.04, "lat": 29.61}}), 201, &in)
		if in.Region != "330127" {
			t.Errorf("an incident the county records with no region: got region %q, want the county's", in.Region)
		}

		// Escalation: the system's events are scoped too.
		e.board.SetClock(func() time.Time { return time.Now().UTC().Add(time.Hour) })
		if n, err := e.board.EscalateDue(context.Background()); err != nil || n == 0 {
			t.Fatalf("escalated %d (%v), want the world's unanswered tasks", n, err)
		}
		e.board.SetClock(func() time.Time { return time.Now().UTC() })
		evs, err := e.store.ListEvents(context.Background(), 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, ev := range evs {
			kind, _, _ := strings.Cut(ev.Type, ".")
			if kind != "incident" && kind != "task" && kind != "order" && ev.Type != "team.status" {
				continue
			}
			kinds[ev.Type] = true
			if len(ev.Regions) == 0 || (kind != "team" && ev.Hazard == "") {
				t.Errorf("event %d %s about %s names regions %v and hazard %q, want its incident's (and team's or depot's)",
					ev.ID, ev.Type, ev.Subject, ev.Regions, ev.Hazard)
			}
			if ev.Subject == w.id("task@inB") && !slices.Equal(ev.Regions, []string{"330122"}) {
				t.Errorf("event %s of task@inB names %v, want 330122", ev.Type, ev.Regions)
			}
		}
		for _, typ := range []string{"incident.created", "incident.status", "incident.updated", "task.created", "task.cancelled",
			"task.escalated", "order.created", "team.status"} {
			if !kinds[typ] {
				t.Errorf("no %s event was checked", typ)
			}
		}
	})
}
