package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
	"dispatchd/web"
)

// addRegistry adds depots × items to the env's store, for stock files with
// that many distinct lines.
func addRegistry(e *env, depots, items int) (depotIDs, codes []string) {
	e.t.Helper()
	ctx := context.Background()
	svc := resources.NewService(e.store)
	var its []resources.Item
	for i := range items {
		code := strconv.Itoa(3000000 + i)
		codes = append(codes, code)
		its = append(its, resources.Item{Code: code, Name: "物资" + code, Kind: resources.Material, Unit: "个"})
	}
	var ds []resources.Depot
	for i := range depots {
		id := fmt.Sprintf("depot-%04d", i)
		depotIDs = append(depotIDs, id)
		ds = append(ds, resources.Depot{ID: id, Name: "储备库" + id, Tier: resources.County,
			Location: geo.Point{Lon: 120 + float64(i)/1000, Lat: 30}, Region: "330100"})
	}
	for _, b := range []*resources.Batch{
		{Kind: resources.ImportItems, Items: its, Lines: make([]int, len(its))},
		{Kind: resources.ImportDepots, Depots: ds, Lines: make([]int, len(ds))},
	} {
		if _, err := svc.Import(ctx, dispatchd.System, b, "setup"); err != nil {
			e.t.Fatal(err)
		}
	}
	return depotIDs, codes
}

// stockFile is a stock CSV made as it is read: a line per depot and item,
// each padded to pad bytes, and last as the last line when it is not empty.
type stockFile struct {
	depots, codes []string
	pad           int
	last          string
	i             int
	buf           []byte
}

func (f *stockFile) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		n := len(f.depots) * len(f.codes)
		switch {
		case f.i == 0:
			f.buf = []byte("depot,item,on_hand\n")
		case f.i <= n:
			k := f.i - 1
			d, c := f.depots[k/len(f.codes)], f.codes[k%len(f.codes)]
			f.buf = fmt.Appendf(f.buf, "%s,%s,%s%d\n", d, c, strings.Repeat(" ", max(f.pad-len(d)-len(c), 0)), 1+k%7)
		case f.i == n+1 && f.last != "":
			f.buf = []byte(f.last + "\n")
		default:
			return 0, io.EOF
		}
		f.i++
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func postFile(e *env, path string, body io.Reader) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens["commander"])
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// TestImportBoundedMemory imports a 60 MiB stock file: the heap grows by a
// small part of that, however large the file.
func TestImportBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 60 MiB")
	}
	e := newEnv(t, "sqlite")
	depots, codes := addRegistry(e, 400, 250)
	file := &stockFile{depots: depots, codes: codes, pad: 600}
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	r := postFile(e, "/api/v1/import/stock?source=big", file)
	close(stop)
	<-sampled
	var sum struct{ Rows int }
	e.mustJSON(r, 200, &sum)
	if sum.Rows != 100_000 {
		t.Fatalf("got %d rows, want 100000", sum.Rows)
	}
	const bound = 40 << 20
	grew := int64(peak.Load()) - int64(base)
	t.Logf("importing 60 MiB grew the heap by %.1f MiB", float64(grew)/(1<<20))
	if grew > bound {
		t.Fatalf("importing 60 MiB grew the heap by %d MiB, want at most %d MiB", grew>>20, bound>>20)
	}
	var stock struct{ Items []resources.Stock }
	e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/"+depots[399]+"/stock", nil), 200, &stock)
	if len(stock.Items) != 250 {
		t.Fatalf("got %d stock lines at the last depot, want 250", len(stock.Items))
	}
}

// TestImportAllOrNothing fails a stock import in the store on its last
// line, thousands of lines after its first chunks were written: nothing of
// it stays.
func TestImportAllOrNothing(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		setupBoard(e)
		id := newIncident(e, "inc-1", nil)
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/orders", map[string]any{"depot": "d1",
			"lines": []map[string]any{{"item": "1010101", "qty": 200}}}), 201, nil)
		depots, codes := addRegistry(e, 50, 100)
		file := &stockFile{depots: depots, codes: codes, last: "d1,1010101,50"}
		p := e.mustProblem(postFile(e, "/api/v1/import/stock", file), 409)
		if !strings.Contains(p.Detail, "reserved") {
			t.Fatalf("got %q, want the reserved stock named", p.Detail)
		}
		var stock struct{ Items []resources.Stock }
		e.mustJSON(e.as("viewer", "GET", "/api/v1/depots/"+depots[0]+"/stock", nil), 200, &stock)
		if len(stock.Items) != 0 {
			t.Fatalf("got %d stock lines at the first depot, want none", len(stock.Items))
		}
		// Without the bad line, all of it.
		var sum struct{ Rows int }
		e.mustJSON(postFile(e, "/api/v1/import/stock", &stockFile{depots: depots, codes: codes}), 200, &sum)
		if sum.Rows != 5000 {
			t.Fatalf("got %d rows, want 5000", sum.Rows)
		}
	})
}

// TestImportConcurrency lets Limits.Imports imports run at once and answers
// the next 503 with Retry-After, before reading its body.
func TestImportConcurrency(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *web.Config) { c.Limits.Imports = 1 })
	const file = "depot,item,on_hand\nd1,1010101,5\n"
	// slow starts an import whose body comes when the test writes it.
	slow := func() (*io.PipeWriter, chan int) {
		pr, pw := io.Pipe()
		t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
		status := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest("POST", e.url+"/api/v1/import/stock", pr)
			req.Header.Set("Authorization", "Bearer "+e.tokens["commander"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				status <- 0
				return
			}
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		// More than the client buffers, so that the server has the
		// request; Write returns once the client has taken it.
		go func() { _, _ = pw.Write([]byte("depot,item,on_hand\n" + strings.Repeat("\n", 64<<10))) }()
		return pw, status
	}
	pw, first := slow()
	// Once the slow one holds the slot, waiting for the rest of its body,
	// the next is refused. Until then, quick ones may go through, or take
	// the slot when the slow one comes: then it starts again.
	var r response
	for range 3000 {
		select {
		case got := <-first:
			if got != 503 {
				t.Fatalf("the slow import: got %d before its body ended, want 503 or nothing", got)
			}
			pw, first = slow()
		default:
		}
		if r = postFile(e, "/api/v1/import/stock", strings.NewReader(file)); r.status != 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.mustProblem(r, 503)
	if got := r.header.Get("Retry-After"); got != "10" {
		t.Fatalf("Retry-After: got %q, want 10", got)
	}
	go func() { _, _ = pw.Write([]byte("d1,1010101,7\n")); pw.Close() }()
	if got := <-first; got != 200 {
		t.Fatalf("the slow import: got %d, want 200", got)
	}
	e.mustJSON(postFile(e, "/api/v1/import/stock", strings.NewReader(file)), 200, nil)
}
