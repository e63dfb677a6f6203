package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"dispatchd/web"
	"dispatchd/zones"
)

// TestMetricsCounts: /metrics carries the watchers' drops and the zones
// indexed, with HELP and TYPE, and passes the Prometheus linter.
func TestMetricsCounts(t *testing.T) {
	e := newEnv(t, "sqlite")
	now := time.Now().UTC()
	e.mustJSON(e.as("commander", "POST", "/api/v1/zones", zoneCollection(
		zoneFeature("a", "red", "flood", 120.1, 30.2, 0.1, now.Add(-time.Hour), now.Add(time.Hour)),
		zoneFeature("b", "blue", "fire", 121.1, 31.2, 0.1, now.Add(-time.Hour), now.Add(time.Hour)))), 201, nil)
	r := e.call("GET", "/metrics", "", nil)
	if r.status != 200 {
		t.Fatalf("GET /metrics: %d", r.status)
	}
	body := string(r.body)
	for _, want := range []string{
		"# TYPE dispatchd_zone_entries_dropped_total counter\ndispatchd_zone_entries_dropped_total 0\n",
		"# TYPE dispatchd_arrival_marks_dropped_total counter\ndispatchd_arrival_marks_dropped_total 0\n",
		"# TYPE dispatchd_suggestion_records_dropped_total counter\n",
		"# TYPE dispatchd_zones_indexed gauge\ndispatchd_zones_indexed 2\n",
		"# HELP dispatchd_zone_entries_dropped_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	problems, err := promlint.New(bytes.NewReader(r.body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "dispatchd_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}

	// A zone watcher whose queue fills counts the entries it drops.
	idx := zones.NewIndex([]zones.Zone{{ID: "r", Level: zones.Red, Hazard: "flood", ValidFrom: now.Add(-time.Hour), ValidTo: now.Add(time.Hour),
		Geometry: orb.Polygon{{{120, 30}, {121, 30}, {121, 31}, {120, 31}, {120, 30}}}}})
	w := zones.NewWatcher(func() *zones.Index { return idx }, nil, nil)
	for i := range zones.WatchBuffer + 3 {
		w.Observe(fmt.Sprint("team-", i), orb.Point{120.5, 30.5}, now)
	}
	srv := httptest.NewServer(web.New(web.Config{}, web.Deps{ZoneWatch: w}).Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\ndispatchd_zone_entries_dropped_total 3\n") {
		t.Errorf("after 3 entries dropped, /metrics says:\n%s", grepLines(buf.String(), "dispatchd_zone"))
	}
}

// grepLines returns the lines of s that hold sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
