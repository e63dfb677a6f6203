package dispatch

import (
	"testing"
	"time"
)

// TestTargetTable: the most specific target wins (type and level, type,
// level, every incident), then the default.
func TestTargetTable(t *testing.T) {
	tt := newTargetTable([]Target{
		{Metric: MetricAck, Type: "flood", Level: 1, Seconds: 10},
		{Metric: MetricAck, Type: "flood", Seconds: 20},
		{Metric: MetricAck, Level: 1, Seconds: 30},
		{Metric: MetricAck, Seconds: 40},
	})
	for _, c := range []struct {
		typ   string
		level int
		want  int
	}{{"flood", 1, 10}, {"flood", 2, 20}, {"fire", 1, 30}, {"fire", 3, 40}} {
		if got := tt.seconds(MetricAck, c.typ, c.level); got != c.want {
			t.Errorf("ack of %s level %d: got %d, want %d", c.typ, c.level, got, c.want)
		}
	}
	if got := tt.seconds(MetricOnScene, "flood", 1); got != 3600 {
		t.Errorf("on_scene: got %d, want the default 3600", got)
	}
}

// TestScoreIncident counts each metric's steps measured and met against
// its target, the worst, and the shares; steps that did not happen are
// not measured.
func TestScoreIncident(t *testing.T) {
	at := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	after := func(d time.Duration) *time.Time { v := at.Add(d); return &v }
	in := &Incident{Type: "flood", Level: 2, ReportedAt: at}
	tasks := []Task{
		{CreatedAt: at.Add(10 * time.Minute), AckedAt: after(11 * time.Minute)},                                   // ack in 60 s
		{CreatedAt: at.Add(4 * time.Minute), AckedAt: after(7 * time.Minute), OnSceneAt: after(34 * time.Minute)}, // first: ack in 180 s
		{CreatedAt: at.Add(20 * time.Minute)},                                                                     // never answered
	}
	orders := []Order{{CreatedAt: at, DeliveredAt: after(4 * time.Hour)}, {CreatedAt: at}}
	sc := scoreIncident(in, tasks, orders, newTargetTable(nil))
	want := map[string][3]float64{ // measured, met, worst
		MetricFirstTask: {1, 1, 240}, MetricAck: {2, 1, 180}, MetricOnScene: {1, 1, 1800}, MetricDelivered: {1, 0, 4 * 3600}}
	for _, m := range sc.Metrics {
		w := want[m.Metric]
		if float64(m.Measured) != w[0] || float64(m.Met) != w[1] || m.WorstS == nil || *m.WorstS != w[2] {
			t.Errorf("%s: got %+v (worst %v), want measured, met, worst %v", m.Metric, m, m.WorstS, w)
		}
	}
	if sc.Measured != 5 || sc.Met != 3 || sc.Share == nil || *sc.Share != 0.6 {
		t.Errorf("got overall %d of %d, share %v, want 3 of 5, 0.6", sc.Met, sc.Measured, sc.Share)
	}
	if empty := scoreIncident(in, nil, nil, nil); empty.Share != nil || empty.Metrics[0].Share != nil || empty.Metrics[0].WorstS != nil {
		t.Errorf("got %+v, want null shares and worst with nothing measured", empty)
	}
}
