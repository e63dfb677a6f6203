package dispatch

import (
	"context"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/regions"
)

// Scores against the standard table: of each metric, how many steps were
// measured and how many within their target. A step that has not happened
// yet (a task not acknowledged) is measured, and missed, once its target
// has passed: a task nobody ever answered is the worst miss, not none.

// Score is one incident's review against the standard table.
type Score struct {
	Metrics []MetricScore `json:"metrics"`
	// Measured and Met sum the metrics'; Share is Met / Measured, null
	// when nothing was measured.
	Measured int      `json:"measured"`
	Met      int      `json:"met"`
	Share    *float64 `json:"share"`
}

// MetricScore is one metric of an incident: the target that applied, the
// steps measured and met, the slowest and the share met.
type MetricScore struct {
	Metric   string `json:"metric"`
	TargetS  int    `json:"target_s"`
	Measured int    `json:"measured"`
	Met      int    `json:"met"`
	// Overdue counts the measured steps that have not happened: still
	// due past their target when the review was read.
	Overdue int      `json:"overdue"`
	WorstS  *float64 `json:"worst_s"`
	Share   *float64 `json:"share"`
}

func share(met, measured int) *float64 {
	if measured == 0 {
		return nil
	}
	v := float64(met) / float64(measured)
	return &v
}

// step is one step of a metric: how long it took, or, when it is still
// due, how long it has been waited for.
type step struct {
	seconds float64
	due     bool
}

// steps returns the steps of each metric of an incident at now: those
// that happened, and those still due (a task still waiting for its
// acknowledgement, a team not yet on scene, an order not yet delivered,
// an open incident with no task). A step that can no longer happen (a
// declined task, a cancelled order) is not a step.
func steps(in *Incident, tasks []Task, orders []Order, now time.Time) map[string][]step {
	d := map[string][]step{}
	add := func(m string, from time.Time, to *time.Time, due bool) {
		switch {
		case to != nil:
			d[m] = append(d[m], step{seconds: to.Sub(from).Seconds()})
		case due:
			d[m] = append(d[m], step{seconds: now.Sub(from).Seconds(), due: true})
		}
	}
	var first *time.Time
	for i, t := range tasks {
		if first == nil || t.CreatedAt.Before(*first) {
			first = &tasks[i].CreatedAt
		}
		add(MetricAck, t.CreatedAt, t.AckedAt, t.Status == Assigned)
		arrived, _ := tasks[i].Arrival() // the geofence's when there is one
		add(MetricOnScene, t.CreatedAt, arrived, t.Status == Assigned || t.Status == Acknowledged || t.Status == EnRoute)
	}
	add(MetricFirstTask, in.ReportedAt, first, in.Status != Closed && in.Status != Cancelled)
	for _, o := range orders {
		add(MetricDelivered, o.CreatedAt, o.DeliveredAt, o.Status == Requested || o.Status == OrderConfirmed || o.Status == Shipped)
	}
	return d
}

// scoreIncident scores an incident's tasks and orders at now against the
// targets for its type and level. A step still due counts once its target
// has passed: measured, missed and overdue; before that it is not
// measured.
func scoreIncident(in *Incident, tasks []Task, orders []Order, tt targetTable, now time.Time) Score {
	d := steps(in, tasks, orders, now)
	sc := Score{Metrics: make([]MetricScore, 0, len(Metrics))}
	for _, m := range Metrics {
		ms := MetricScore{Metric: m, TargetS: tt.seconds(m, in.Type, in.Level)}
		for _, st := range d[m] {
			v := st.seconds
			late := v > float64(ms.TargetS)
			if st.due && !late {
				continue
			}
			ms.Measured++
			if st.due {
				ms.Overdue++
			}
			if !late {
				ms.Met++
			}
			if ms.WorstS == nil || v > *ms.WorstS {
				ms.WorstS = &v
			}
		}
		ms.Share = share(ms.Met, ms.Measured)
		sc.Measured += ms.Measured
		sc.Met += ms.Met
		sc.Metrics = append(sc.Metrics, ms)
	}
	sc.Share = share(sc.Met, sc.Measured)
	return sc
}

// Bounds of a scores period.
const (
	DefaultScoresPeriod = 30 * 24 * time.Hour
	MaxScoresPeriod     = 366 * 24 * time.Hour
)

// ScoresQuery asks for the scores of a jurisdiction over a period.
type ScoresQuery struct {
	// Region is the jurisdiction; nil is the actor's own.
	Region *string
	// From and To bound the time incidents were reported: [From, To).
	From, To time.Time
}

// Scores is a jurisdiction's review against the standard table over a
// period: the incidents reported in it (exercises aside) per child region
// and in all. Incidents whose region lies in no listed child count in
// the total only.
type Scores struct {
	Region   regions.Ref   `json:"region"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Total    RegionScore   `json:"total"`
	Children []RegionScore `json:"children"`
}

// RegionScore is what a region's incidents measured and met.
type RegionScore struct {
	Region    regions.Ref   `json:"region"`
	Incidents int           `json:"incidents"`
	Metrics   []MetricTally `json:"metrics"`
	Measured  int           `json:"measured"`
	Met       int           `json:"met"`
	Share     *float64      `json:"share"`
}

// MetricTally is one metric summed over incidents, each step held to the
// target of its incident's type and level.
type MetricTally struct {
	Metric   string   `json:"metric"`
	Measured int      `json:"measured"`
	Met      int      `json:"met"`
	Share    *float64 `json:"share"`
}

func newRegionScore(ref regions.Ref) RegionScore {
	rs := RegionScore{Region: ref, Metrics: make([]MetricTally, len(Metrics))}
	for i, m := range Metrics {
		rs.Metrics[i].Metric = m
	}
	return rs
}

func (rs *RegionScore) add(sc Score) {
	rs.Incidents++
	for i, m := range sc.Metrics {
		rs.Metrics[i].Measured += m.Measured
		rs.Metrics[i].Met += m.Met
	}
	rs.Measured += sc.Measured
	rs.Met += sc.Met
}

func (rs *RegionScore) finish() {
	for i := range rs.Metrics {
		rs.Metrics[i].Share = share(rs.Metrics[i].Met, rs.Metrics[i].Measured)
	}
	rs.Share = share(rs.Met, rs.Measured)
}

// Scores scores the incidents of a jurisdiction reported in a period, per
// child region and in all, reading each of incidents, tasks and orders
// once. The region defaults to the actor's jurisdiction (for the whole
// deployment, the only top-level region when there is one); a region
// outside the actor's jurisdiction or unknown is ENOTFOUND; a period not
// forward or over MaxScoresPeriod EINVALID.
func (s *Service) Scores(ctx context.Context, actor dispatchd.Actor, q ScoresQuery) (*Scores, error) {
	if !q.From.Before(q.To) {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "from", Message: "must be before to"})
	}
	if q.To.Sub(q.From) > MaxScoresPeriod {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "from", Message: "must be at most 366 days before to"})
	}
	ref, kids, err := s.scoreRegions(ctx, actor, q.Region)
	if err != nil {
		return nil, err
	}
	tt, err := s.store.ReviewTargets(ctx)
	if err != nil {
		return nil, err
	}
	scope := dispatchd.Scope{Prefix: dispatchd.RegionPrefix(ref.Code), Types: actor.Scope().Types}
	no := false
	ins, err := s.store.ListIncidents(ctx, IncidentFilter{From: q.From, To: q.To, Exercise: &no, Scope: scope})
	if err != nil {
		return nil, err
	}
	tasks, err := s.store.ListTasks(ctx, TaskFilter{Scope: scope, ReportedFrom: q.From, ReportedTo: q.To})
	if err != nil {
		return nil, err
	}
	orders, err := s.store.ListOrders(ctx, OrderFilter{Scope: scope, ReportedFrom: q.From, ReportedTo: q.To})
	if err != nil {
		return nil, err
	}
	byTask, byOrder := map[string][]Task{}, map[string][]Order{}
	for _, t := range tasks {
		byTask[t.Incident] = append(byTask[t.Incident], t)
	}
	for _, o := range orders {
		byOrder[o.Incident] = append(byOrder[o.Incident], o)
	}
	out := &Scores{Region: ref, From: q.From, To: q.To, Total: newRegionScore(ref), Children: make([]RegionScore, len(kids))}
	prefixes := make([]string, len(kids))
	for i, k := range kids {
		out.Children[i] = newRegionScore(regions.Ref{Code: k.Code, Name: k.Name, Level: k.Level})
		prefixes[i] = dispatchd.RegionPrefix(k.Code)
	}
	table := newTargetTable(tt)
	for i := range ins {
		in := &ins[i]
		sc := scoreIncident(in, byTask[in.ID], byOrder[in.ID], table, s.now())
		out.Total.add(sc)
		for j, p := range prefixes {
			if in.Region != "" && strings.HasPrefix(in.Region, p) {
				out.Children[j].add(sc)
				break
			}
		}
	}
	out.Total.finish()
	for i := range out.Children {
		out.Children[i].finish()
	}
	return out, nil
}

// scoreRegions resolves the region of a scores query and lists its
// children.
func (s *Service) scoreRegions(ctx context.Context, actor dispatchd.Actor, region *string) (regions.Ref, []regions.Region, error) {
	code := actor.Jurisdiction
	tree, _ := s.cfg.Regions.(RegionTree)
	if region != nil {
		code = *region
	} else if code == "" && tree != nil {
		top, _, err := tree.Children(ctx, "", "", 2)
		if err != nil {
			return regions.Ref{}, nil, err
		}
		if len(top) == 1 {
			code = top[0].Code
		}
	}
	sc := actor.Scope()
	if (code == "" && sc.Prefix != "") || (code != "" && !sc.Covers(code)) {
		return regions.Ref{}, nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "region %s not found", code)
	}
	if tree == nil {
		if code != "" {
			if err := regions.CheckCode("region", code); err != nil {
				return regions.Ref{}, nil, err
			}
		}
		return regions.Ref{Code: code}, nil, nil
	}
	var ref regions.Ref
	if code != "" {
		reg, err := tree.Get(ctx, code)
		if err != nil {
			return regions.Ref{}, nil, err
		}
		ref = regions.Ref{Code: reg.Code, Name: reg.Name, Level: reg.Level}
	}
	kids, _, err := tree.Children(ctx, code, "", regions.MaxLimit)
	if err != nil {
		return regions.Ref{}, nil, err
	}
	return ref, kids, nil
}
