package dispatch

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"dispatchd"
)

// The standard table of an after-action review (复盘对标): how fast each
// step of a response must be, per incident type and level.

// The metrics a review scores.
const (
	// MetricFirstTask runs from the report to the incident's first task.
	MetricFirstTask = "first_task"
	// MetricAck runs from a task's assignment to its acknowledgement.
	MetricAck = "ack"
	// MetricOnScene runs from a task's assignment to the team on scene.
	MetricOnScene = "on_scene"
	// MetricDelivered runs from an order's request to its delivery.
	MetricDelivered = "delivered"
)

// Metrics lists the metrics in the order reviews show them.
var Metrics = []string{MetricFirstTask, MetricAck, MetricOnScene, MetricDelivered}

// DefaultTargets are the seconds each metric is held to where no target
// overrides it: the first task within 5 minutes, the acknowledgement
// within 2, the team on scene within the hour, materials delivered within
// 3 hours.
var DefaultTargets = map[string]int{MetricFirstTask: 300, MetricAck: 120, MetricOnScene: 3600, MetricDelivered: 3 * 3600}

// Bounds of the targets.
const (
	MaxTargets       = 500
	MaxTargetSeconds = 7 * 24 * 3600
)

// Target overrides the default of one metric for the incidents of a type
// and level; an empty Type is every type, a zero Level every level. Of
// the targets that apply to an incident, the most specific wins: type and
// level, then type, then level, then the one for every incident.
type Target struct {
	Metric  string `json:"metric"`
	Type    string `json:"type"`
	Level   int    `json:"level"`
	Seconds int    `json:"seconds"`
}

// ReviewTargets is the standard table: the defaults and the overrides.
type ReviewTargets struct {
	Defaults map[string]int `json:"defaults"`
	Targets  []Target       `json:"targets"`
}

// TargetsEvent is the data of a review.targets_updated event.
type TargetsEvent struct {
	Targets []Target `json:"targets"`
}

// targetTable resolves the target of a metric for an incident.
type targetTable map[targetKey]int

type targetKey struct {
	metric, typ string
	level       int
}

func newTargetTable(ts []Target) targetTable {
	t := targetTable{}
	for _, x := range ts {
		t[targetKey{x.Metric, x.Type, x.Level}] = x.Seconds
	}
	return t
}

// seconds returns the target of metric for incidents of typ and level.
func (t targetTable) seconds(metric, typ string, level int) int {
	for _, k := range []targetKey{{metric, typ, level}, {metric, typ, 0}, {metric, "", level}, {metric, "", 0}} {
		if s, ok := t[k]; ok {
			return s
		}
	}
	return DefaultTargets[metric]
}

// validateTargets checks targets and sorts them (metric, type, level).
func validateTargets(ts []Target) error {
	var f dispatchd.Fields
	if len(ts) > MaxTargets {
		f.Add("targets", "at most %d targets", MaxTargets)
		return f.Err()
	}
	seen := map[targetKey]bool{}
	for i, t := range ts {
		at := "targets[" + strconv.Itoa(i) + "]"
		if !slices.Contains(Metrics, t.Metric) {
			f.Add(at+".metric", "must be one of first_task, ack, on_scene, delivered")
		}
		if t.Type != "" && !slices.Contains(IncidentTypes, t.Type) {
			f.Add(at+".type", "must be a known incident type or empty for every type")
		}
		if t.Level < 0 || t.Level > 4 {
			f.Add(at+".level", "must be 1 to 4, or 0 for every level")
		}
		if t.Seconds < 1 || t.Seconds > MaxTargetSeconds {
			f.Add(at+".seconds", "must be from 1 to %d", MaxTargetSeconds)
		}
		k := targetKey{t.Metric, t.Type, t.Level}
		if seen[k] {
			f.Add(at, "repeats the target of %s for this type and level", t.Metric)
		}
		seen[k] = true
	}
	SortTargets(ts)
	return f.Err()
}

// SortTargets sorts targets by metric (in the order of Metrics), type and
// level.
func SortTargets(ts []Target) {
	slices.SortFunc(ts, func(a, b Target) int {
		return cmp.Or(cmp.Compare(slices.Index(Metrics, a.Metric), slices.Index(Metrics, b.Metric)),
			cmp.Compare(a.Type, b.Type), cmp.Compare(a.Level, b.Level))
	})
}

// ReviewTargets returns the standard table reviews are scored against.
func (s *Service) ReviewTargets(ctx context.Context) (*ReviewTargets, error) {
	ts, err := s.store.ReviewTargets(ctx)
	if err != nil {
		return nil, err
	}
	return &ReviewTargets{Defaults: DefaultTargets, Targets: ts}, nil
}

// SetReviewTargets replaces the overrides of the standard table with ts
// and writes a review.targets_updated event with them. The table is the
// whole deployment's: only an administrator of the whole deployment may
// change it, EFORBIDDEN otherwise; EINVALID for an unknown metric
// or type, a level out of 0 to 4, seconds not positive, or a repeat.
func (s *Service) SetReviewTargets(ctx context.Context, actor dispatchd.Actor, ts []Target) (*ReviewTargets, error) {
	if !actor.Is(dispatchd.RoleAdmin) || !actor.Scope().Everything() {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only an administrator of the whole deployment sets the review targets")
	}
	if ts == nil {
		ts = []Target{}
	}
	if err := validateTargets(ts); err != nil {
		return nil, err
	}
	ev := s.event("review.targets_updated", actor, "review_targets", TargetsEvent{Targets: ts}, s.now())
	if err := s.store.SetReviewTargets(ctx, ts, ev); err != nil {
		return nil, err
	}
	s.noteWritten(ev)
	return &ReviewTargets{Defaults: DefaultTargets, Targets: ts}, nil
}
