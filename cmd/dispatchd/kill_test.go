//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/resources"
	"dispatchd/store/postgres/pgtest"
	"dispatchd/store/sqlite"
)

// TestKillDuringImport kills dispatchd with SIGKILL while it writes a bulk
// import of 12,000 stock lines (300 depots x 40 items: seconds of writing
// under -race), on both stores: over HTTP (the server is killed) and with
// `dispatchd import` (the command is killed). The first import creates the
// lines and the second changes them, both to the end, which times them from
// the moment their write transaction opens; each later import is killed at
// another share of that time after its own write opened, which the test
// sees from outside (killProbe). After each, the import is entirely there
// or entirely absent and nothing else changed, every stock line agrees with
// its ledger, the event log has no gap, and (SQLite, after a kill) the file
// passes its integrity check.
func TestKillDuringImport(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			const depots, items = 300, 40
			k := newKillStore(t, backend)
			p := k.serve()
			token := k.login(p)
			k.importOver(p, token, "items", killItemsCSV(items))
			k.importOver(p, token, "depots", killDepotsCSV(depots))
			var keys []killKey
			for d := range depots {
				for i := range items {
					keys = append(keys, killKey{killDepotID(d), killItemCode(i)})
				}
			}
			probe := k.probe()
			state := k.check(t)

			attempts := []struct {
				via  string  // http or cli
				kill bool    // false: let it finish, and time it
				at   float64 // when to kill, as a share of that time
			}{{"http", false, 0}, {"http", false, 0}, {"http", true, 0}, {"cli", true, 0.4}, {"http", true, 0.7}}
			var took time.Duration
			inside := 0
			for i, a := range attempts {
				before := state.stock
				source := fmt.Sprintf("kill-%d", i)
				lines, file := killImportFile(t, keys, before, i)
				var held, finished bool
				answer := "none"
				if a.via == "http" {
					done := make(chan struct{})
					var code int
					var err error
					go func() {
						defer close(done)
						code, err = killPostFile(p.url+"/api/v1/import/stock?source="+source, token, file)
					}()
					if a.kill {
						held, finished = probe.killInWrite(p.cmd.Process, time.Duration(a.at*float64(took)), done)
						_ = p.cmd.Wait()
						p = nil
					} else {
						took = probe.timeWrite(done)
					}
					<-done
					if err == nil {
						answer = fmt.Sprint(code)
					}
					if (finished || !a.kill) && code != 200 {
						t.Fatalf("import %d ended by itself: got %d %v, want 200", i, code, err)
					}
				} else {
					if p != nil {
						t.Fatal("the CLI imports while the server is down")
					}
					path := filepath.Join(t.TempDir(), source+".csv")
					if err := os.WriteFile(path, file, 0o600); err != nil {
						t.Fatal(err)
					}
					source = filepath.Base(path)
					c := k.command("import", "--kind", "stock", "--quiet", path)
					held, finished = probe.killInWrite(c.cmd.Process, time.Duration(a.at*float64(took)), c.done)
					<-c.done
					if c.err == nil {
						answer = "exit 0"
					} else if finished {
						t.Fatalf("import %d ended by itself: %v %s", i, c.err, c.out.String())
					}
				}
				if a.kill {
					probe.waitIdle()
					k.checkFile(t)
				}
				var applied bool
				state, applied = k.checkImport(t, before, lines, source)
				if (answer == "200" || answer == "exit 0") && !applied {
					t.Fatalf("import %d was acknowledged (%s) but is not in the store", i, answer)
				}
				if a.kill && held && !applied {
					inside++
				}
				if a.kill {
					t.Logf("%s import %d via %s: SIGKILL %.0f%% of %s after its write transaction opened; open at the kill: %v, ended before it: %v; answer %s; applied %v",
						backend, i, a.via, 100*a.at, took.Round(time.Millisecond), held, finished, answer, applied)
				} else {
					t.Logf("%s import %d via %s: not killed, %s from its write transaction opening to its answer; applied %v",
						backend, i, a.via, took.Round(time.Millisecond), applied)
				}
				if p == nil && (i == len(attempts)-1 || attempts[i+1].via == "http") {
					p = k.serve()
					token = k.login(p)
					last, _ := checkEventLog(t, p, token)
					t.Logf("%s: after the restart, %d events, no gap", backend, last)
				}
			}
			if inside == 0 {
				t.Fatal("no kill landed inside an import's write transaction: the test tested nothing")
			}
			if err := p.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("graceful shutdown: %v", err)
			}
		})
	}
}

// killImportFile returns the stock CSV of attempt i: every key set to a
// quantity that no line held before.
func killImportFile(t *testing.T, keys []killKey, before map[killKey]resources.Stock, i int) ([]resources.StockLevel, []byte) {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("depot,item,on_hand\n")
	lines := make([]resources.StockLevel, len(keys))
	for j, k := range keys {
		lines[j] = resources.StockLevel{Depot: k.depot, Item: k.item, OnHand: int64(i+1)*10_000_000 + int64(j)}
		if before[k].OnHand == lines[j].OnHand {
			t.Fatalf("%v already holds %d", k, lines[j].OnHand)
		}
		fmt.Fprintf(&buf, "%s,%s,%d\n", k.depot, k.item, lines[j].OnHand)
	}
	return lines, buf.Bytes()
}

// checkImport checks the store after an import of lines from source: all of
// it is there (every line, its ledger line and its event) or none, and
// nothing else changed. It returns what the store holds and whether the
// import is there.
func (k *killStore) checkImport(t *testing.T, before map[killKey]resources.Stock, lines []resources.StockLevel, source string) (*killState, bool) {
	t.Helper()
	s := k.check(t)
	set := 0
	in := map[killKey]bool{}
	for _, l := range lines {
		key := killKey{l.Depot, l.Item}
		in[key] = true
		got, ok := s.stock[key]
		was, had := before[key]
		switch {
		case ok && got.OnHand == l.OnHand:
			set++
		case ok != had || got.OnHand != was.OnHand:
			t.Fatalf("%v holds %d (there: %v): neither %d as before (there: %v) nor %d as imported", key, got.OnHand, ok, was.OnHand, had, l.OnHand)
		}
	}
	for key, st := range s.stock {
		if b, ok := before[key]; !in[key] && (!ok || b.OnHand != st.OnHand || b.Reserved != st.Reserved) {
			t.Fatalf("%v changed from %+v to %+v, and the import does not touch it", key, b, st)
		}
	}
	for key := range before {
		if _, ok := s.stock[key]; !ok {
			t.Fatalf("%v is gone", key)
		}
	}
	var evs []int64
	for _, ev := range s.events {
		var data resources.StockImportEvent
		if ev.Type == "stock.imported" && json.Unmarshal(ev.Data, &data) == nil && data.Source == source {
			evs = append(evs, ev.ID)
		}
	}
	ledger := s.ledger["import: "+source]
	switch {
	case set == 0 && len(evs) == 0 && len(ledger) == 0:
		return s, false
	case set == len(lines) && len(evs) == 1 && maps.Equal(ledger, map[int64]int{evs[0]: len(lines)}):
		return s, true
	}
	t.Fatalf("the import of %s is in part there: %d of %d lines set, stock.imported events %v, ledger lines by event %v",
		source, set, len(lines), evs, ledger)
	return nil, false
}

// killDispatch is a dispatch that TestKillDuringDispatch asks for one
// incident, and its answer.
type killDispatch struct {
	incident string
	req      dispatch.DispatchRequest
	sent     bool
	code     int // 0: no answer
	res      dispatch.DispatchResult
}

// TestKillDuringDispatch kills dispatchd with SIGKILL while four clients
// dispatch teams and stock to new incidents (12 depots, 8 items and 120
// teams, few enough that the dispatches compete for them), at a moment
// when a dispatch transaction is open, twice, on both stores. After each
// kill, every incident has all of its dispatch (its tasks, its orders with
// their reservations and ledger lines, their events, its teams' status and
// its own) or none of it; every acknowledged dispatch is there and every
// refused one is not; every stock line's reserved is what the open orders
// hold, no more than on hand, and agrees with its ledger; the event log has
// no gap; and the restarted server serves the acknowledged tasks and orders
// and the stock as the store holds it.
func TestKillDuringDispatch(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			const depots, items, teams = 12, 8, 120
			k := newKillStore(t, backend)
			p := k.serve()
			token := k.login(p)
			k.importOver(p, token, "items", killItemsCSV(items))
			k.importOver(p, token, "depots", killDepotsCSV(depots))
			k.importOver(p, token, "teams", killTeamsCSV(teams))
			stock := map[string]map[string]int64{}
			var file bytes.Buffer
			file.WriteString("depot,item,on_hand\n")
			for d := range depots {
				stock[killDepotID(d)] = map[string]int64{}
				for i := range items {
					n := 100 + int64((d*items+i)*37%400)
					stock[killDepotID(d)][killItemCode(i)] = n
					fmt.Fprintf(&file, "%s,%s,%d\n", killDepotID(d), killItemCode(i), n)
				}
			}
			k.importOver(p, token, "stock", file.Bytes())
			statusBefore := map[string]resources.TeamStatus{}
			var pool []string
			for _, tm := range k.check(t).teams {
				statusBefore[tm.ID] = tm.Status
				pool = append(pool, tm.ID)
			}
			probe := k.probe()

			var all []*killDispatch
			inside := 0
			for round := range 2 {
				var todo []*killDispatch
				for i := range 100 {
					var in struct{ ID string }
					body := map[string]any{"type": "flood", "level": 2, "title": fmt.Sprintf("管涌 %d-%d", round, i),
						"location": map[string]float64{"lon": 120.2, "lat": 30.25}}
					if code := p.call("POST", "/api/v1/incidents", token, body, &in); code != 201 {
						t.Fatalf("create incident: got %d", code)
					}
					r := rand.New(rand.NewPCG(uint64(round), uint64(i)))
					todo = append(todo, &killDispatch{incident: in.ID, req: killPlan(r, pool, stock)})
				}
				all = append(all, todo...)
				held := killDispatching(t, p, token, probe, todo)
				if held {
					inside++
				}
				probe.waitIdle()
				k.checkFile(t)
				state, tally := k.checkDispatches(t, all, statusBefore)
				t.Logf("%s round %d: SIGKILL with a dispatch transaction open: %v; so far %s", backend, round, held, tally)

				p = k.serve()
				token = k.login(p)
				killServed(t, p, token, state, all)
				last, _ := checkEventLog(t, p, token)
				t.Logf("%s round %d: after the restart, %d events, no gap", backend, round, last)
			}
			if inside == 0 {
				t.Fatal("no kill landed while a dispatch transaction was open: the test tested nothing")
			}
			if err := p.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("graceful shutdown: %v", err)
			}
		})
	}
}

// killDispatching sends the dispatches from four clients and, once 30 are
// acknowledged, kills the server as soon as a write transaction is open.
// It returns when the server and the clients are done, and reports whether
// the kill found a transaction open.
func killDispatching(t *testing.T, p *proc, token string, probe *killProbe, todo []*killDispatch) bool {
	t.Helper()
	next := make(chan *killDispatch, len(todo))
	for _, d := range todo {
		next <- d
	}
	close(next)
	var mu sync.Mutex
	acked := 0
	enough := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for d := range next {
				d.sent = true
				var res dispatch.DispatchResult
				code, err := p.try("POST", "/api/v1/incidents/"+d.incident+"/dispatch", token, d.req, &res)
				if err != nil && code == 0 {
					return // the server is gone: no answer
				}
				mu.Lock()
				d.code, d.res = code, res
				if code == 201 {
					if acked++; acked == 30 {
						close(enough)
					}
				}
				mu.Unlock()
			}
		})
	}
	stopped := make(chan struct{})
	go func() {
		wg.Wait()
		close(stopped)
	}()
	select {
	case <-enough:
	case <-stopped:
		t.Fatalf("the clients ran out of incidents with %d dispatches acknowledged", acked)
	}
	held, _ := probe.killInWrite(p.cmd.Process, 0, stopped)
	_ = p.cmd.Wait()
	<-stopped
	return held
}

// killPlan draws a dispatch: up to two tasks for teams of the pool and up
// to two orders to the depots, each line a tenth to a fifth of what the
// depot had, so that stock runs short as the dispatches go on.
func killPlan(r *rand.Rand, pool []string, stock map[string]map[string]int64) dispatch.DispatchRequest {
	var req dispatch.DispatchRequest
	depots := slices.Sorted(maps.Keys(stock))
	for len(req.Tasks)+len(req.Orders) == 0 {
		for _, team := range killPick(r, pool, r.IntN(3)) {
			req.Tasks = append(req.Tasks, dispatch.TaskRequest{Team: team, Need: "water_rescue", AckWithinS: 3600})
		}
		for _, depot := range killPick(r, depots, r.IntN(3)) {
			o := dispatch.OrderRequest{Depot: depot}
			for _, it := range killPick(r, slices.Sorted(maps.Keys(stock[depot])), 1+r.IntN(3)) {
				have := stock[depot][it]
				o.Lines = append(o.Lines, resources.ItemQty{Item: it, Qty: have/10 + r.Int64N(have/10+1)})
			}
			req.Orders = append(req.Orders, o)
		}
	}
	return req
}

// killPick returns n distinct elements of list, drawn by r.
func killPick(r *rand.Rand, list []string, n int) []string {
	var out []string
	for _, i := range r.Perm(len(list))[:min(n, len(list))] {
		out = append(out, list[i])
	}
	return out
}

// shape lists what the dispatch asks for, sorted: a line per task and per
// order.
func (d *killDispatch) shape() []string {
	var out []string
	for _, tr := range d.req.Tasks {
		out = append(out, "task for "+tr.Team)
	}
	for _, o := range d.req.Orders {
		lines := make([]string, 0, len(o.Lines))
		for _, l := range o.Lines {
			lines = append(lines, fmt.Sprintf("%s:%d", l.Item, l.Qty))
		}
		slices.Sort(lines)
		out = append(out, "order to "+o.Depot+" of "+strings.Join(lines, ","))
	}
	slices.Sort(out)
	return out
}

// checkDispatches checks every incident, task, order, team, ledger line and
// event of the store against the dispatches asked for, and says how they
// ended.
func (k *killStore) checkDispatches(t *testing.T, all []*killDispatch, statusBefore map[string]resources.TeamStatus) (*killState, string) {
	t.Helper()
	s := k.check(t)
	created := map[string]int64{} // the event that created each task and order
	for _, ev := range s.events {
		if ev.Type == "task.created" || ev.Type == "order.created" {
			created[ev.Subject] = ev.ID
		}
	}
	shape, ids := map[string][]string{}, map[string][]string{} // by incident
	busy := map[string]bool{}
	for _, tk := range s.tasks {
		if tk.Status != dispatch.Assigned || busy[tk.Team] || created[tk.ID] == 0 {
			t.Fatalf("task %s of team %s is %s, the team already busy: %v, created by event %d", tk.ID, tk.Team, tk.Status, busy[tk.Team], created[tk.ID])
		}
		busy[tk.Team] = true
		shape[tk.Incident] = append(shape[tk.Incident], "task for "+tk.Team)
		ids[tk.Incident] = append(ids[tk.Incident], tk.ID)
		delete(created, tk.ID)
	}
	reserved := map[string]bool{}
	for _, o := range s.orders {
		lines := make([]string, 0, len(o.Lines))
		for _, l := range o.Lines {
			if l.Committed != l.Qty {
				t.Fatalf("order %s holds %d of %s, want %d", o.ID, l.Committed, l.Item, l.Qty)
			}
			lines = append(lines, fmt.Sprintf("%s:%d", l.Item, l.Qty))
		}
		slices.Sort(lines)
		reason := "reserved: order " + o.ID
		if got, want := s.ledger[reason], map[int64]int{created[o.ID]: len(o.Lines)}; o.Status != dispatch.Requested || created[o.ID] == 0 || !maps.Equal(got, want) {
			t.Fatalf("order %s is %s, created by event %d, with ledger lines %v by event, want %v", o.ID, o.Status, created[o.ID], got, want)
		}
		reserved[reason] = true
		shape[o.Incident] = append(shape[o.Incident], "order to "+o.Depot+" of "+strings.Join(lines, ","))
		ids[o.Incident] = append(ids[o.Incident], o.ID)
		delete(created, o.ID)
	}
	if len(created) > 0 {
		t.Fatalf("events tell of tasks or orders that are not in the store: %v", created)
	}
	for reason := range s.ledger {
		if strings.HasPrefix(reason, "reserved: ") && !reserved[reason] {
			t.Fatalf("ledger lines %q belong to no order", reason)
		}
	}
	for _, tm := range s.teams {
		want := statusBefore[tm.ID]
		if busy[tm.ID] {
			want = resources.TeamAssigned
		}
		if tm.Status != want {
			t.Fatalf("team %s is %s, want %s (on a task: %v)", tm.ID, tm.Status, want, busy[tm.ID])
		}
	}
	asked := map[string]*killDispatch{}
	for _, d := range all {
		asked[d.incident] = d
	}
	var acked, refused, unsent, lostThere, lostAbsent int
	for _, in := range s.incidents {
		d := asked[in.ID]
		if d == nil {
			t.Fatalf("incident %s was not made by the test", in.ID)
		}
		got := slices.Sorted(slices.Values(shape[in.ID]))
		there := len(got) > 0
		if there && !slices.Equal(got, d.shape()) {
			t.Fatalf("incident %s holds part of its dispatch: %v, it asked for %v", in.ID, got, d.shape())
		}
		want := dispatch.Reported
		if there {
			want = dispatch.Responding
		}
		if in.Status != want {
			t.Fatalf("incident %s is %s, want %s (its dispatch there: %v)", in.ID, in.Status, want, there)
		}
		switch {
		case d.code == 201:
			var want []string
			for _, tk := range d.res.Tasks {
				want = append(want, tk.ID)
			}
			for _, o := range d.res.Orders {
				want = append(want, o.ID)
			}
			slices.Sort(want)
			if got := slices.Sorted(slices.Values(ids[in.ID])); !slices.Equal(got, want) {
				t.Fatalf("the dispatch to %s was acknowledged with %v; the store holds %v", in.ID, want, got)
			}
			acked++
		case there && (d.code != 0 || !d.sent):
			t.Fatalf("the dispatch to %s was refused with %d (0: never sent) but is in the store", in.ID, d.code)
		case d.code != 0:
			refused++
		case !d.sent:
			unsent++
		case there:
			lostThere++
		default:
			lostAbsent++
		}
	}
	return s, fmt.Sprintf("%d dispatches acknowledged, %d refused, %d unanswered (%d there, %d absent), %d not sent; %d orders",
		acked, refused, lostThere+lostAbsent, lostThere, lostAbsent, unsent, len(s.orders))
}

// killServed checks that the restarted server serves every acknowledged
// task and order, and the stock the store holds: each depot's lines, and
// what the dispatch view, rebuilt at start, offers of each item.
func killServed(t *testing.T, p *proc, token string, s *killState, all []*killDispatch) {
	t.Helper()
	for _, d := range all {
		if d.code != 201 {
			continue
		}
		for _, tk := range d.res.Tasks {
			if code := p.call("GET", "/api/v1/tasks/"+tk.ID, token, nil, nil); code != 200 {
				t.Fatalf("task %s was acknowledged before the kill: got %d after it", tk.ID, code)
			}
		}
		for _, o := range d.res.Orders {
			if code := p.call("GET", "/api/v1/orders/"+o.ID, token, nil, nil); code != 200 {
				t.Fatalf("order %s was acknowledged before the kill: got %d after it", o.ID, code)
			}
		}
	}
	lines := map[string]int{}
	for key := range s.stock {
		lines[key.depot]++
	}
	offered := map[string]map[string]int64{}
	for depot, n := range lines {
		var got struct {
			Items []resources.Stock `json:"items"`
		}
		if code := p.call("GET", "/api/v1/depots/"+depot+"/stock", token, nil, &got); code != 200 || len(got.Items) != n {
			t.Fatalf("stock of %s: got %d with %d lines, want %d", depot, code, len(got.Items), n)
		}
		for _, x := range got.Items {
			want := s.stock[killKey{depot, x.Item}]
			if x.OnHand != want.OnHand || x.Reserved != want.Reserved || x.Available != want.OnHand-want.Reserved {
				t.Fatalf("%s/%s: the server says %d on hand, %d reserved, %d available; the store holds %d and %d",
					depot, x.Item, x.OnHand, x.Reserved, x.Available, want.OnHand, want.Reserved)
			}
			if offered[x.Item] == nil {
				var avail struct {
					Available map[string]int64 `json:"available"`
				}
				if code := p.call("GET", "/api/v1/stock?item="+x.Item, token, nil, &avail); code != 200 {
					t.Fatalf("availability of %s: got %d", x.Item, code)
				}
				offered[x.Item] = avail.Available
			}
			if got := offered[x.Item][depot]; got != want.OnHand-want.Reserved {
				t.Fatalf("%s/%s: the dispatch view offers %d, the store holds %d on hand and %d reserved", depot, x.Item, got, want.OnHand, want.Reserved)
			}
		}
	}
}

// killKey names one stock line.
type killKey struct{ depot, item string }

// killState is what the store holds, read by the test.
type killState struct {
	stock     map[killKey]resources.Stock
	events    []dispatchd.Event
	incidents []dispatch.Incident
	tasks     []dispatch.Task
	orders    []dispatch.Order
	teams     []resources.Team
	// ledger counts the ledger lines by reason and event id.
	ledger map[string]map[int64]int
}

// check opens the store while no process writes it (a server may be
// running, idle), reads all of it, and checks what must hold whatever was
// killed when: the event ids run from 1 without a gap; every stock line
// has 0 <= reserved <= on_hand, its reserved is what the open orders hold
// of it, and its ledger adds up to its on-hand and ends on its levels;
// every ledger line belongs to an event.
func (k *killStore) check(t *testing.T) *killState {
	t.Helper()
	ctx := context.Background()
	st, err := (&storeFlags{dataDir: k.dir, databaseURL: k.url}).open(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer st.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("read the store: %v", err)
		}
	}
	s := &killState{stock: map[killKey]resources.Stock{}, ledger: map[string]map[int64]int{}}
	for {
		page, err := st.ListEvents(ctx, int64(len(s.events)), 10000)
		must(err)
		for _, ev := range page {
			if ev.ID != int64(len(s.events))+1 {
				t.Fatalf("the event log jumps from %d to %d", len(s.events), ev.ID)
			}
			s.events = append(s.events, ev)
		}
		if len(page) < 10000 {
			break
		}
	}
	const all = 1 << 30
	s.incidents, err = st.ListIncidents(ctx, dispatch.IncidentFilter{Limit: all})
	must(err)
	s.tasks, err = st.ListTasks(ctx, dispatch.TaskFilter{Limit: all})
	must(err)
	s.orders, err = st.ListOrders(ctx, dispatch.OrderFilter{Limit: all})
	must(err)
	s.teams, err = st.ListTeams(ctx, resources.TeamFilter{Limit: all})
	must(err)
	stock, err := st.AllStock(ctx)
	must(err)
	held := map[killKey]int64{}
	for _, o := range s.orders {
		if o.Status.Holds() && !o.Exercise {
			for _, l := range o.Lines {
				held[killKey{o.Depot, l.Item}] += l.Committed
			}
		}
	}
	for _, x := range stock {
		key := killKey{x.Depot, x.Item}
		s.stock[key] = x
		if x.Reserved < 0 || x.Reserved > x.OnHand || x.Reserved != held[key] {
			t.Fatalf("%v: %d reserved of %d on hand; the open orders hold %d", key, x.Reserved, x.OnHand, held[key])
		}
		delete(held, key)
	}
	if len(held) > 0 {
		t.Fatalf("open orders hold stock that has no stock line: %v", held)
	}
	depots, err := st.DepotIDs(ctx)
	must(err)
	ledgered := 0
	for _, d := range depots {
		lines, err := st.ListLedger(ctx, resources.LedgerFilter{Depot: d, Limit: all})
		must(err)
		// Walk the depot's ledger oldest first, keeping each item's last line.
		last := map[string]resources.LedgerLine{}
		for _, l := range slices.Backward(lines) {
			if prev := last[l.Item]; l.OnHand != prev.OnHand+l.Delta {
				t.Fatalf("ledger of %s/%s: %d on hand after %+d from %d", d, l.Item, l.OnHand, l.Delta, prev.OnHand)
			}
			if l.EventID < 1 || l.EventID > int64(len(s.events)) {
				t.Fatalf("ledger line %d belongs to event %d; the log ends at %d", l.ID, l.EventID, len(s.events))
			}
			if s.ledger[l.Reason] == nil {
				s.ledger[l.Reason] = map[int64]int{}
			}
			s.ledger[l.Reason][l.EventID]++
			last[l.Item] = l
		}
		for item, l := range last {
			if x, ok := s.stock[killKey{d, item}]; !ok || x.OnHand != l.OnHand || x.Reserved != l.Reserved {
				t.Fatalf("%s/%s: the ledger ends at %d on hand, %d reserved; the stock line is %+v", d, item, l.OnHand, l.Reserved, x)
			}
		}
		ledgered += len(last)
	}
	if ledgered != len(s.stock) {
		t.Fatalf("%d stock lines, %d of them with a ledger", len(s.stock), ledgered)
	}
	return s
}

// killStore is one store that the kill tests' processes share, with a
// commander, and how the test reaches it.
type killStore struct {
	t   *testing.T
	dir string // the SQLite store's data directory
	url string // the PostgreSQL database; "" for SQLite
	env []string
}

func newKillStore(t *testing.T, backend string) *killStore {
	t.Helper()
	k := &killStore{t: t, dir: t.TempDir()}
	if backend == "postgres" {
		k.url = pgtest.URL(t)
	}
	k.env = []string{"DISPATCH_DATA_DIR=" + k.dir, "DATABASE_URL=" + k.url, "DISPATCH_WRITE_RATE=100000"}
	c := k.command("user", "add", "--username", "chief", "--role", "commander", "--password", "kill-pw-12")
	if <-c.done; c.err != nil {
		t.Fatalf("user add: %v %s", c.err, c.out.String())
	}
	return k
}

// serve starts dispatchd.
func (k *killStore) serve() *proc {
	k.t.Helper()
	return start(k.t, k.env, "serve", "--addr", "127.0.0.1:0")
}

// login logs in the commander.
func (k *killStore) login(p *proc) string {
	k.t.Helper()
	var res struct{ Token string }
	if code := p.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "chief", "password": "kill-pw-12"}, &res); code != 200 {
		k.t.Fatalf("login: got %d", code)
	}
	return res.Token
}

// importOver imports a CSV file of kind over HTTP.
func (k *killStore) importOver(p *proc, token, kind string, file []byte) {
	k.t.Helper()
	if code, err := killPostFile(p.url+"/api/v1/import/"+kind, token, file); err != nil || code != 200 {
		k.t.Fatalf("import %s: got %d %v", kind, code, err)
	}
}

// killPostFile posts a CSV file and reads the answer; err is the
// transport's.
func killPostFile(url, token string, body []byte) (int, error) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// killCmd is a dispatchd command run as a process of its own.
type killCmd struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited; err and out are set then
	err  error
	out  bytes.Buffer
}

// command starts dispatchd with args on the store.
func (k *killStore) command(args ...string) *killCmd {
	k.t.Helper()
	c := &killCmd{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), append([]string{"DISPATCHD_RUN_MAIN=1", "DISPATCH_LOG_LEVEL=warn"}, k.env...)...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		c.err = c.cmd.Wait()
	}()
	k.t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// checkFile runs SQLite's integrity check on the store's file.
func (k *killStore) checkFile(t *testing.T) {
	t.Helper()
	if k.url != "" {
		return
	}
	if err := sqlite.CheckFile(context.Background(), filepath.Join(k.dir, sqlite.FileName)); err != nil {
		t.Fatalf("after the kill: %v", err)
	}
}

func killItemCode(i int) string { return fmt.Sprint(1010101 + i) }
func killDepotID(i int) string  { return fmt.Sprintf("kd-%04d", i) }

// killCSV returns a CSV file of n rows after the header.
func killCSV(header string, n int, row func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n")
	for i := range n {
		b.WriteString(row(i) + "\n")
	}
	return b.Bytes()
}

func killItemsCSV(n int) []byte {
	return killCSV("code,name,kind,unit", n, func(i int) string {
		return fmt.Sprintf("%s,物资%d,material,件", killItemCode(i), i)
	})
}

func killDepotsCSV(n int) []byte {
	return killCSV("id,name,tier,lon,lat", n, func(i int) string {
		return fmt.Sprintf("%s,储备库%d,county,%.3f,%.3f", killDepotID(i), i, 120+float64(i%20)/20, 30+float64(i/20)/50)
	})
}

func killTeamsCSV(n int) []byte {
	return killCSV("id,name,kind,lon,lat,capabilities", n, func(i int) string {
		return fmt.Sprintf("kt-%04d,救援队%d,social,%.3f,%.3f,water_rescue", i, i, 120+float64(i%10)/10, 30+float64(i/10)/20)
	})
}

// killProbe sees from outside whether a write transaction is open in the
// store, without taking a lock or waiting for one. On SQLite the writer
// holds the WAL write lock from BEGIN IMMEDIATE to COMMIT or ROLLBACK: byte
// 120 of the -shm file (UNIX_SHM_BASE + WAL_WRITE_LOCK in SQLite's
// os_unix.c), which F_GETLK reports. On PostgreSQL a backend has a
// transaction id from its first write or row lock to its end.
type killProbe struct {
	t   *testing.T
	shm string
	f   *os.File
	pg  *pgx.Conn
}

func (k *killStore) probe() *killProbe {
	k.t.Helper()
	p := &killProbe{t: k.t, shm: filepath.Join(k.dir, sqlite.FileName) + "-shm"}
	if k.url != "" {
		c, err := pgx.Connect(context.Background(), k.url)
		if err != nil {
			k.t.Fatal(err)
		}
		p.pg = c
	}
	k.t.Cleanup(func() {
		if p.f != nil {
			p.f.Close()
		}
		if p.pg != nil {
			p.pg.Close(context.Background())
		}
	})
	return p
}

// writing reports whether a write transaction is open.
func (p *killProbe) writing() bool {
	p.t.Helper()
	if p.pg != nil {
		var n int
		err := p.pg.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL`).Scan(&n)
		if err != nil {
			p.t.Fatalf("probe: %v", err)
		}
		return n > 0
	}
	// The last connection to close removes the file and the next makes it
	// anew. The probe must not close its file while the test's own process
	// has the store open: that would drop the process's locks on it.
	if p.f != nil {
		a, err1 := p.f.Stat()
		b, err2 := os.Stat(p.shm)
		if err1 != nil || err2 != nil || !os.SameFile(a, b) {
			p.f.Close()
			p.f = nil
		}
	}
	if p.f == nil {
		f, err := os.OpenFile(p.shm, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return false
		}
		if err != nil {
			p.t.Fatalf("probe: %v", err)
		}
		p.f = f
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: 120, Len: 1}
	if err := syscall.FcntlFlock(p.f.Fd(), syscall.F_GETLK, &lk); err != nil {
		p.t.Fatalf("probe: %v", err)
	}
	return lk.Type != syscall.F_UNLCK
}

// until polls the probe until it reports want, or until done is closed
// (nil: never); it reports whether it saw want.
func (p *killProbe) until(want bool, done <-chan struct{}) bool {
	p.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for p.writing() != want {
		select {
		case <-done:
			return false
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the probe did not see writing = %v in 3 minutes", want)
		}
		time.Sleep(200 * time.Microsecond)
	}
	return true
}

// timeWrite returns how long an operation takes from the first look that
// sees its write transaction open to its end (done closed).
func (p *killProbe) timeWrite(done <-chan struct{}) time.Duration {
	p.t.Helper()
	if !p.until(true, done) {
		p.t.Fatal("the operation ended before the probe saw it write")
	}
	began := time.Now()
	<-done
	return time.Since(began)
}

// killInWrite waits until a write transaction is open, lets it run for
// delay, and kills proc with SIGKILL; if done is closed first (the
// operation ended), it kills it then. held reports whether the last look
// before the signal saw a transaction open, ended whether done was closed
// before it.
func (p *killProbe) killInWrite(proc *os.Process, delay time.Duration, done <-chan struct{}) (held, ended bool) {
	p.t.Helper()
	held = p.until(true, done)
	if held && delay > 0 {
		select {
		case <-done:
		case <-time.After(delay):
		}
		held = p.writing()
	}
	select {
	case <-done:
		held, ended = false, true
	default:
	}
	if err := proc.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatal(err)
	}
	return held, ended
}

// waitIdle waits until no write transaction is open: a PostgreSQL backend
// ends the transaction of a killed client only when it notices.
func (p *killProbe) waitIdle() {
	p.t.Helper()
	p.until(false, nil)
}
