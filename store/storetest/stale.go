package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/resources"
)

// staleEvents returns the type of every team.stale and team.fresh event
// about team, in order.
func staleEvents(t *testing.T, s Store, team string) []dispatchd.Event {
	t.Helper()
	var out []dispatchd.Event
	for _, ev := range events(t, s) {
		if (ev.Type == "team.stale" || ev.Type == "team.fresh") && ev.Subject == team {
			out = append(out, ev)
		}
	}
	return out
}

func types(evs []dispatchd.Event) string {
	s := make([]string, len(evs))
	for i, ev := range evs {
		s[i] = ev.Type
	}
	return fmt.Sprint(s)
}

// setStaleAtOnce makes n concurrent calls of SetPositionStale and returns
// how many changed the team.
func setStaleAtOnce(t *testing.T, s Store, n int, team string, stale bool) int {
	t.Helper()
	c := ctx(t)
	typ := "team.fresh"
	if stale {
		typ = "team.stale"
	}
	var wg sync.WaitGroup
	done := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := dispatchd.NewEvent(typ, dispatchd.System, team, map[string]any{"team": team, "node": i})
			done[i], errs[i] = s.SetPositionStale(c, team, stale, &ev)
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		noErr(t, errs[i])
		if done[i] {
			total++
		}
	}
	return total
}

// testPositionStaleOnce: the flag on the team row changes, with its event,
// once however many callers ask at once; registry changes keep it.
func testPositionStaleOnce(t *testing.T, s Store) {
	c := ctx(t)
	reg := resources.NewService(s)
	in := newTeam("t1", "西湖水上救援队", resources.Social, "330106", 120.13, 30.25, "water_rescue")
	in.PositionStale = true // input cannot set it
	if got := ok(reg.CreateTeam(c, actor, in)).get(t); got.PositionStale {
		t.Fatalf("a new team is marked stale: %+v", got)
	}
	ok(reg.CreateTeam(c, actor, newTeam("t2", "滨江消防救援站", resources.FireRescue, "330108", 120.21, 30.21, "water_rescue"))).get(t)

	if n := setStaleAtOnce(t, s, 8, "t1", true); n != 1 {
		t.Fatalf("8 concurrent marks changed the team %d times, want once", n)
	}
	if got := types(staleEvents(t, s, "t1")); got != "[team.stale]" {
		t.Fatalf("got events %s, want [team.stale]", got)
	}
	if !ok(s.GetTeam(c, "t1")).get(t).PositionStale {
		t.Fatal("got team t1 not stale, want stale")
	}
	for _, tm := range ok(s.ListTeams(c, resources.TeamFilter{Limit: 10})).get(t) {
		if tm.PositionStale != (tm.ID == "t1") {
			t.Fatalf("got team %s position_stale %v", tm.ID, tm.PositionStale)
		}
	}
	// A registry edit and an import leave the flag alone.
	hc := 12
	if up := ok(reg.UpdateTeam(c, actor, "t1", resources.TeamPatch{Headcount: &hc})).get(t); !up.PositionStale {
		t.Fatalf("an update cleared the flag: %+v", up)
	}
	imp := newTeam("t1", "西湖水上救援队", resources.Social, "330106", 120.13, 30.25, "water_rescue")
	ev := dispatchd.NewEvent("team.imported", actor, "t1", imp)
	noErr(t, s.ImportTeams(c, []resources.Team{imp}, []dispatchd.Event{ev}))
	if got := ok(s.GetTeam(c, "t1")).get(t); !got.PositionStale || got.Headcount != imp.Headcount {
		t.Fatalf("after an import got %+v, want the import's headcount and still stale", got)
	}

	if n := setStaleAtOnce(t, s, 8, "t1", false); n != 1 {
		t.Fatalf("8 concurrent fresh marks changed the team %d times, want once", n)
	}
	if n := setStaleAtOnce(t, s, 1, "t1", true); n != 1 {
		t.Fatalf("marking stale again changed the team %d times, want once", n)
	}
	if got := types(staleEvents(t, s, "t1")); got != "[team.stale team.fresh team.stale]" {
		t.Fatalf("got events %s, want [team.stale team.fresh team.stale]", got)
	}
	// Nothing to change, or no such team: no event, no error.
	before := len(events(t, s))
	if n := setStaleAtOnce(t, s, 2, "t2", false); n != 0 {
		t.Fatalf("a fresh team was marked fresh %d times", n)
	}
	if n := setStaleAtOnce(t, s, 2, "nope", true); n != 0 {
		t.Fatalf("a missing team was marked %d times", n)
	}
	if n := len(events(t, s)); n != before {
		t.Fatalf("no change wrote %d events", n-before)
	}
}

// node is one server's dispatch view and service over the shared store,
// with a clock the test sets.
type node struct {
	proj *plan.Projection
	svc  *dispatch.Service
	now  time.Time
}

func newNode(t *testing.T, s Store) *node {
	t.Helper()
	n := &node{proj: plan.NewProjection(plan.ProjectionConfig{})}
	ok(n.proj.Load(ctx(t), s)).get(t)
	n.svc = dispatch.NewService(s, n.proj, dispatch.Config{})
	n.svc.SetClock(func() time.Time { return n.now })
	return n
}

// markStaleAtOnce runs MarkStale on every node at once, at now, and
// returns how many teams they marked stale and fresh in all.
func markStaleAtOnce(t *testing.T, nodes []*node, now time.Time) (stale, fresh int) {
	t.Helper()
	var wg sync.WaitGroup
	type res struct {
		stale, fresh int
		err          error
	}
	out := make([]res, len(nodes))
	for i, n := range nodes {
		n.now = now
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &out[i]
			r.stale, r.fresh, r.err = n.svc.MarkStale(ctx(t))
		}()
	}
	wg.Wait()
	for _, r := range out {
		noErr(t, r.err)
		stale += r.stale
		fresh += r.fresh
	}
	return stale, fresh
}

// follow applies to every node the events it has not seen, as the event
// feed would.
func follow(t *testing.T, s Store, nodes ...*node) {
	t.Helper()
	for _, n := range nodes {
		for _, ev := range ok(s.ListEvents(ctx(t), n.proj.Last(), 10000)).get(t) {
			n.proj.Apply(ev)
		}
	}
}

// testStaleWatch runs the stale-position watcher on three nodes at once:
// a team that has reported and then falls silent for StaleAfter is marked
// stale once, and fresh once when it reports again; a team that never
// reported is never marked.
func testStaleWatch(t *testing.T, s Store) {
	c := ctx(t)
	newBoard(t, s)
	nodes := []*node{newNode(t, s), newNode(t, s), newNode(t, s)}
	at := geo.Point{Lon: 120.14, Lat: 30.26}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	for _, n := range nodes {
		n.proj.SetPosition("t1", at, t0)
	}
	after := plan.DefaultStaleAfter

	if st, fr := markStaleAtOnce(t, nodes, t0.Add(after-time.Second)); st != 0 || fr != 0 {
		t.Fatalf("before stale-after: marked %d stale, %d fresh; want none", st, fr)
	}
	if st, fr := markStaleAtOnce(t, nodes, t0.Add(after+time.Second)); st != 1 || fr != 0 {
		t.Fatalf("after stale-after: marked %d stale, %d fresh; want 1 stale in all", st, fr)
	}
	evs := staleEvents(t, s, "t1")
	if types(evs) != "[team.stale]" || evs[0].Actor != "system" {
		t.Fatalf("got events %+v, want one team.stale by system", evs)
	}
	var d plan.PositionStaleEvent
	noErr(t, json.Unmarshal(evs[0].Data, &d))
	if d.Team != "t1" || !d.PositionTS.Equal(t0) || d.Position != at || d.StaleAfterS != int64(after/time.Second) {
		t.Fatalf("got team.stale data %s, want team t1, position_ts %s", evs[0].Data, t0)
	}
	if !ok(s.GetTeam(c, "t1")).get(t).PositionStale {
		t.Fatal("got team t1 not stale, want stale")
	}
	for _, id := range []string{"t2", "t3", "t4"} {
		if ok(s.GetTeam(c, id)).get(t).PositionStale || len(staleEvents(t, s, id)) > 0 {
			t.Fatalf("team %s, which never reported, was marked stale", id)
		}
	}
	follow(t, s, nodes...)
	if st, fr := markStaleAtOnce(t, nodes, t0.Add(2*after)); st != 0 || fr != 0 {
		t.Fatalf("once marked: marked %d stale, %d fresh; want none", st, fr)
	}

	// It reports again: fresh, once, with the new position's time.
	t1 := t0.Add(after + 30*time.Second)
	for _, n := range nodes {
		n.proj.SetPosition("t1", at, t1)
	}
	if st, fr := markStaleAtOnce(t, nodes, t1.Add(time.Second)); st != 0 || fr != 1 {
		t.Fatalf("on a new position: marked %d stale, %d fresh; want 1 fresh in all", st, fr)
	}
	evs = staleEvents(t, s, "t1")
	if types(evs) != "[team.stale team.fresh]" {
		t.Fatalf("got events %s, want [team.stale team.fresh]", types(evs))
	}
	d = plan.PositionStaleEvent{}
	noErr(t, json.Unmarshal(evs[1].Data, &d))
	if d.Team != "t1" || !d.PositionTS.Equal(t1) || d.StaleAfterS != 0 {
		t.Fatalf("got team.fresh data %s, want team t1, position_ts %s", evs[1].Data, t1)
	}
	follow(t, s, nodes...)
	if ok(s.GetTeam(c, "t1")).get(t).PositionStale {
		t.Fatal("got team t1 stale, want fresh")
	}

	// Silent again: stale again. A late fix that is itself old does not
	// make it fresh.
	if st, fr := markStaleAtOnce(t, nodes, t1.Add(after+time.Second)); st != 1 || fr != 0 {
		t.Fatalf("silent again: marked %d stale, %d fresh; want 1 stale", st, fr)
	}
	follow(t, s, nodes...)
	for _, n := range nodes {
		n.proj.SetPosition("t1", at, t1.Add(time.Second))
	}
	if st, fr := markStaleAtOnce(t, nodes, t1.Add(after+2*time.Second)); st != 0 || fr != 0 {
		t.Fatalf("on an old fix: marked %d stale, %d fresh; want none", st, fr)
	}
	if got := types(staleEvents(t, s, "t1")); got != "[team.stale team.fresh team.stale]" {
		t.Fatalf("got events %s, want [team.stale team.fresh team.stale]", got)
	}

	// A node started now learns the flag from the store: a new fix makes
	// the team fresh.
	late := newNode(t, s)
	if st, fr := markStaleAtOnce(t, []*node{late}, t1.Add(2*after)); st != 0 || fr != 0 {
		t.Fatalf("a new node with no positions marked %d stale, %d fresh; want none", st, fr)
	}
	t2 := t1.Add(2 * after)
	late.proj.SetPosition("t1", at, t2)
	if st, fr := markStaleAtOnce(t, []*node{late}, t2); st != 0 || fr != 1 {
		t.Fatalf("a new node on a new fix marked %d stale, %d fresh; want 1 fresh", st, fr)
	}
}
