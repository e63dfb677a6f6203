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
// its target, the worst, and the shares; a step still due is measured,
// and missed, only once its target has passed.
func TestScoreIncident(t *testing.T) {
	at := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	after := func(d time.Duration) *time.Time { v := at.Add(d); return &v }
	in := &Incident{Type: "flood", Level: 2, ReportedAt: at, Status: Responding}
	now := at.Add(time.Hour)
	tasks := []Task{
		{CreatedAt: at.Add(10 * time.Minute), AckedAt: after(11 * time.Minute), Status: Completed},                                 // ack in 60 s
		{CreatedAt: at.Add(4 * time.Minute), AckedAt: after(7 * time.Minute), OnSceneAt: after(34 * time.Minute), Status: OnScene}, // first: ack in 180 s
		{CreatedAt: at.Add(20 * time.Minute), Status: Assigned},                                                                    // never answered: 40 min overdue
		{CreatedAt: at.Add(50 * time.Minute), Status: Declined},                                                                    // declined: no longer a step
	}
	orders := []Order{{CreatedAt: at, DeliveredAt: after(4 * time.Hour), Status: Delivered}, {CreatedAt: at, Status: Shipped}} // the second within its 3 h
	sc := scoreIncident(in, tasks, orders, newTargetTable(nil), now)
	want := map[string][4]float64{ // measured, met, overdue, worst
		MetricFirstTask: {1, 1, 0, 240}, MetricAck: {3, 1, 1, 2400}, MetricOnScene: {1, 1, 0, 1800}, MetricDelivered: {1, 0, 0, 4 * 3600}}
	for _, m := range sc.Metrics {
		w := want[m.Metric]
		if float64(m.Measured) != w[0] || float64(m.Met) != w[1] || float64(m.Overdue) != w[2] || m.WorstS == nil || *m.WorstS != w[3] {
			t.Errorf("%s: got %+v (worst %v), want measured, met, overdue, worst %v", m.Metric, m, m.WorstS, w)
		}
	}
	if sc.Measured != 6 || sc.Met != 3 || sc.Share == nil || *sc.Share != 0.5 {
		t.Errorf("got overall %d of %d, share %v, want 3 of 6, 0.5", sc.Met, sc.Measured, sc.Share)
	}
	// An open incident with no task: its first task is overdue once 5
	// minutes have passed, not before; a closed one has no first task due.
	if sc := scoreIncident(in, nil, nil, nil, at.Add(4*time.Minute)); sc.Share != nil || sc.Metrics[0].WorstS != nil {
		t.Errorf("got %+v four minutes in, want nothing measured", sc)
	}
	if sc := scoreIncident(in, nil, nil, nil, now); sc.Measured != 1 || sc.Met != 0 || sc.Metrics[0].Overdue != 1 || *sc.Metrics[0].WorstS != 3600 {
		t.Errorf("got %+v an hour in, want the first task missed, overdue by an hour", sc)
	}
	closed := *in
	closed.Status = Closed
	if empty := scoreIncident(&closed, nil, nil, nil, now); empty.Share != nil || empty.Metrics[0].Share != nil || empty.Metrics[0].WorstS != nil {
		t.Errorf("got %+v, want null shares and worst with nothing measured", empty)
	}
}
