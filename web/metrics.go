package web

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"dispatchd"
)

type metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	wsRefused *prometheus.CounterVec
	// routes are the paths of the route table: the only route labels, so
	// that no request can add a series.
	routes map[string]bool
}

// knownMethods are the only method labels; any other is "other".
var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// labels returns the method and route labels of a request, from fixed sets
// whatever the request says.
func (m *metrics) labels(method, route string) (string, string) {
	if !knownMethods[method] {
		method = "other"
	}
	if !m.routes[route] {
		route = "unmatched"
	}
	return method, route
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dispatchd_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dispatchd_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		wsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dispatchd_ws_frames_refused_total", Help: "Websocket frames refused by the transport, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.duration, m.wsRefused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		method, route := m.labels(c.Request().Method, c.Path())
		m.requests.WithLabelValues(method, route, strconv.Itoa(c.Response().Status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		return nil
	}
}

// metricsHandler serves the registry, to callers with the token when one is
// set.
func metricsHandler(reg *prometheus.Registry, token string) echo.HandlerFunc {
	h := echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if token == "" {
		return h
	}
	return func(c echo.Context) error {
		got, _ := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return dispatchd.Errorf(dispatchd.EUNAUTHORIZED, "/metrics needs the metrics token: Authorization: Bearer <token>")
		}
		return h(c)
	}
}

// liveCollector reports the position filter's drops and the hub's counts
// when scraped.
type liveCollector struct {
	d       Deps
	dropped *prometheus.Desc
	hub     map[string]*prometheus.Desc
	history map[string]*prometheus.Desc
}

func newLiveCollector(d Deps) *liveCollector {
	c := &liveCollector{d: d,
		dropped: prometheus.NewDesc("dispatchd_positions_dropped_total", "Positions refused or dropped by the filter, by reason.", []string{"reason"}, nil),
		hub:     map[string]*prometheus.Desc{},
		history: map[string]*prometheus.Desc{},
	}
	for n, help := range map[string]string{"written_total": "written to the store", "dropped_total": "dropped because the write buffer was full",
		"failed_total": "given up after every write attempt failed", "pending": "waiting to be written"} {
		c.history[n] = prometheus.NewDesc("dispatchd_position_history_"+n, "Position history: positions "+help+".", nil, nil)
	}
	for _, n := range []string{"sessions", "events_queued_total", "position_frames_total", "slow_closed_total", "bad_messages_total", "snapshots_total", "catchups_total",
		"revoked_closed_total", "snapshot_timeouts_total", "refused_total", "unsent_peak_bytes"} {
		c.hub[n] = prometheus.NewDesc("dispatchd_ws_"+n, "Websocket hub: "+strings.ReplaceAll(n, "_", " ")+".", nil, nil)
	}
	return c
}

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.dropped
	for _, d := range c.hub {
		ch <- d
	}
	for _, d := range c.history {
		ch <- d
	}
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	if c.d.Ingest != nil {
		for reason, n := range c.d.Ingest.Filter().Dropped() {
			ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(n), reason)
		}
	}
	if c.d.Hub != nil {
		st := c.d.Hub.Stats()
		ch <- prometheus.MustNewConstMetric(c.hub["sessions"], prometheus.GaugeValue, float64(st.Sessions))
		for n, v := range map[string]int64{"events_queued_total": st.Events, "position_frames_total": st.PositionFrames,
			"slow_closed_total": st.SlowClosed, "bad_messages_total": st.BadMessages, "snapshots_total": st.Snapshots, "catchups_total": st.CatchUps,
			"revoked_closed_total": st.RevokedClosed, "snapshot_timeouts_total": st.SnapshotTimeouts, "refused_total": st.Refused} {
			ch <- prometheus.MustNewConstMetric(c.hub[n], prometheus.CounterValue, float64(v))
		}
		ch <- prometheus.MustNewConstMetric(c.hub["unsent_peak_bytes"], prometheus.GaugeValue, float64(st.UnsentPeak))
	}
	if c.d.History != nil {
		st := c.d.History.Stats()
		for n, v := range map[string]int64{"written_total": st.Written, "dropped_total": st.Dropped, "failed_total": st.Failed} {
			ch <- prometheus.MustNewConstMetric(c.history[n], prometheus.CounterValue, float64(v))
		}
		ch <- prometheus.MustNewConstMetric(c.history["pending"], prometheus.GaugeValue, float64(st.Pending))
	}
}

// registerCounts registers the counts the services of d keep, for those
// d has: the suggestion records, zone entries and arrival marks dropped,
// and the zones indexed.
func registerCounts(reg *prometheus.Registry, d Deps) {
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	if d.Dispatch != nil {
		counter("dispatchd_suggestion_records_dropped_total",
			"Records of suggestions served that were dropped: the writer's queue full or the store failing.",
			func() float64 { return float64(d.Dispatch.ProposalsDropped()) })
	}
	if d.ZoneWatch != nil {
		counter("dispatchd_zone_entries_dropped_total", "Red zone entries dropped because the zone watcher's queue was full.",
			func() float64 { return float64(d.ZoneWatch.Dropped()) })
	}
	if d.Arrivals != nil {
		counter("dispatchd_arrival_marks_dropped_total", "Geofence arrivals and departures dropped because the arrival watcher's queue was full.",
			func() float64 { return float64(d.Arrivals.Dropped()) })
	}
	if d.Zones != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "dispatchd_zones_indexed",
			Help: "Risk zones in this node's index: standing and not yet ended."},
			func() float64 { return float64(d.Zones.Index().Len()) }))
	}
}
