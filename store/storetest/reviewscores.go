package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/regions"
)

// testReviewScores stores the review targets (replaced whole, with their
// event, refused when bad or not an administrator's) and scores the
// incidents of a period from one read of incidents, tasks and orders:
// an incident reported before the period and an exercise in it count
// for nothing.
func testReviewScores(t *testing.T, s Store) {
	c := ctx(t)
	b := newBoard(t, s)
	if got := ok(b.svc.ReviewTargets(c)).get(t); len(got.Targets) != 0 || got.Defaults[dispatch.MetricAck] != 120 {
		t.Fatalf("got %+v, want no targets and the defaults", got)
	}
	set := []dispatch.Target{
		{Metric: dispatch.MetricFirstTask, Type: "flood", Level: 2, Seconds: 2 * 3600},
		{Metric: dispatch.MetricAck, Seconds: 60},
		{Metric: dispatch.MetricFirstTask, Type: "flood", Seconds: 1},
	}
	ok(b.svc.SetReviewTargets(c, actor, set)).get(t)
	got := ok(s.ReviewTargets(c)).get(t)
	if len(got) != 3 || got[0].Metric != dispatch.MetricFirstTask || got[0].Level != 0 || got[1].Level != 2 || got[2].Metric != dispatch.MetricAck {
		t.Fatalf("got targets %+v, want 3 sorted by metric, type and level", got)
	}
	evs := events(t, s)
	last := evs[len(evs)-1]
	var data dispatch.TargetsEvent
	noErr(t, json.Unmarshal(last.Data, &data))
	if last.Type != "review.targets_updated" || len(data.Targets) != 3 {
		t.Fatalf("got last event %s %s, want review.targets_updated with the 3 targets", last.Type, last.Data)
	}
	_, err := b.svc.SetReviewTargets(c, commander, nil)
	wantCode(t, err, dispatchd.EFORBIDDEN)
	_, err = b.svc.SetReviewTargets(c, actor, []dispatch.Target{{Metric: "speed", Type: "lava", Level: 5, Seconds: 0},
		{Metric: dispatch.MetricAck, Seconds: 60}, {Metric: dispatch.MetricAck, Seconds: 30}})
	wantCode(t, err, dispatchd.EINVALID)
	if f := dispatchd.ErrorFields(err); len(f) != 5 {
		t.Fatalf("got fields %+v, want metric, type, level, seconds and the repeat", f)
	}
	if n := len(events(t, s)); n != len(evs) {
		t.Fatalf("refused targets wrote %d events", n-len(evs))
	}

	now := time.Now().UTC()
	report := func(at time.Time, exercise bool) *dispatch.Incident {
		in := ok(b.svc.CreateIncident(c, commander, dispatch.Incident{Type: "flood", Level: 2, Title: "堤坝管涌", ReportedAt: at,
			Location: geo.Point{Lon: 120.2, Lat: 30.22}, Exercise: exercise,
			Needs: plan.Needs{Teams: []plan.TeamNeed{{Capability: "water_rescue", Count: 1}}}})).get(t)
		b.sync(t)
		return in
	}
	dispatchAck := func(in *dispatch.Incident, team string) {
		res := ok(b.svc.Dispatch(c, commander, in.ID, dispatch.DispatchRequest{Tasks: []dispatch.TaskRequest{{Team: team, Need: "water_rescue"}}})).get(t)
		ok(b.svc.Ack(c, commander, res.Tasks[0].ID)).get(t)
		b.sync(t)
	}
	early := report(now.Add(-3*time.Hour), false) // before the period
	dispatchAck(early, "t1")
	in := report(now.Add(-time.Hour), false)
	dispatchAck(in, "t2")
	drill := report(now.Add(-time.Hour), true)
	dispatchAck(drill, "t3")

	sc := ok(b.svc.Scores(c, actor, dispatch.ScoresQuery{From: now.Add(-2 * time.Hour), To: now})).get(t)
	tot := sc.Total
	if tot.Incidents != 1 || len(sc.Children) != 0 {
		t.Fatalf("got %+v, want the one incident of the period and no children without a tree", sc)
	}
	// The first task came about an hour after the report: within the 2 h
	// of flood level 2, not the 1 s of floods in general. The
	// acknowledgement came at once: within 60 s.
	want := map[string][2]int{dispatch.MetricFirstTask: {1, 1}, dispatch.MetricAck: {1, 1}, dispatch.MetricOnScene: {0, 0}, dispatch.MetricDelivered: {0, 0}}
	for _, m := range tot.Metrics {
		if w := want[m.Metric]; m.Measured != w[0] || m.Met != w[1] {
			t.Errorf("metric %s: got %d measured, %d met, want %v", m.Metric, m.Measured, m.Met, w)
		}
	}
	if tot.Share == nil || *tot.Share != 1 || tot.Metrics[2].Share != nil {
		t.Errorf("got share %v and on-scene share %v, want 1 and null", tot.Share, tot.Metrics[2].Share)
	}
	// The review of the early incident: its first task three hours late.
	r := ok(b.svc.Review(c, actor, early.ID)).get(t)
	if f := r.Score.Metrics[0]; f.TargetS != 2*3600 || f.Measured != 1 || f.Met != 0 || f.WorstS == nil || *f.WorstS < 3*3600-60 {
		t.Fatalf("got first-task score %+v, want the 2 h target missed by about an hour", f)
	}
	_, err = b.svc.Scores(c, actor, dispatch.ScoresQuery{From: now, To: now.Add(-time.Hour)})
	wantCode(t, err, dispatchd.EINVALID)
	_, err = b.svc.Scores(c, dispatchd.Actor{Role: dispatchd.RoleViewer, Jurisdiction: "330100"},
		dispatch.ScoresQuery{Region: new("320000"), From: now.Add(-time.Hour), To: now})
	wantCode(t, err, dispatchd.ENOTFOUND)
}

// testReviewScoresByRegion scores a jurisdiction per child region, named
// from the tree: the default region is the deployment's only province,
// whose total leaves out the incident with no region; a desk counts its
// hazard's types only; a region outside the caller's or unknown is 404.
func testReviewScoresByRegion(t *testing.T, s Store) {
	c := ctx(t)
	b, _ := rollupBoard(t, s)
	svc := dispatch.NewService(s, b.proj, dispatch.Config{Regions: regions.NewService(s)})
	now := time.Now().UTC()
	q := dispatch.ScoresQuery{From: now.Add(-time.Hour), To: now.Add(time.Minute)}
	got := func(sc *dispatch.Scores) string {
		out := fmt.Sprintf("%s %s %d:", sc.Region.Code, sc.Region.Name, sc.Total.Incidents)
		for _, ch := range sc.Children {
			out += fmt.Sprintf(" %s%s=%d", ch.Region.Code, ch.Region.Name, ch.Incidents)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		actor  dispatchd.Actor
		region *string
		want   string
	}{
		{"the province by default", actor, nil, "330000 浙江省 4: 330100杭州市=3 330200宁波市=1"},
		{"a city", actor, new("330100"), "330100 杭州市 3: 330106西湖区=0 330108滨江区=0 330109萧山区=2 330110余杭区=0 330111富阳区=1"},
		{"a flood desk of the city", dispatchd.Actor{Role: dispatchd.RoleViewer, Jurisdiction: "330100", Types: []string{"flood", "typhoon"}}, nil,
			"330100 杭州市 2: 330106西湖区=0 330108滨江区=0 330109萧山区=2 330110余杭区=0 330111富阳区=0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q.Region = tt.region
			if g := got(ok(svc.Scores(c, tt.actor, q)).get(t)); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
	q.Region = new("330200")
	_, err := svc.Scores(c, dispatchd.Actor{Role: dispatchd.RoleCommander, Jurisdiction: "330100"}, q)
	wantCode(t, err, dispatchd.ENOTFOUND)
	q.Region = new("339900")
	_, err = svc.Scores(c, actor, q)
	wantCode(t, err, dispatchd.ENOTFOUND)
}
