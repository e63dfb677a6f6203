package sqldb

import (
	"context"
	"errors"
	"fmt"

	"dispatchd/dispatch"
	"dispatchd/realtime"
	"dispatchd/resources"
)

// viewConn is a Conn over one read-only transaction: every read sees the
// same snapshot of the database.
type viewConn struct{ Querier }

func (viewConn) Tx(context.Context, func(q Querier) error) error {
	return errors.New("a read view cannot write")
}

func (v viewConn) View(_ context.Context, fn func(q Querier) error) error { return fn(v.Querier) }

// State implements realtime.StateSource: the incidents, tasks and orders
// still open, and the teams and depots in the box, with the last event id,
// all from one consistent read.
func (s *Store) State(ctx context.Context, q realtime.StateQuery) (*realtime.State, error) {
	st := &realtime.State{}
	err := s.db.View(ctx, func(tx Querier) error {
		v := &Store{db: viewConn{tx}, d: s.d}
		var err error
		if st.EventID, err = v.LastEventID(ctx); err != nil {
			return err
		}
		if q.Topics.Has(realtime.TopicIncidents) {
			f := dispatch.IncidentFilter{Status: []dispatch.IncidentStatus{dispatch.Reported, dispatch.Confirmed, dispatch.Responding, dispatch.Stabilized},
				Scope: q.Scope}
			if q.Team != nil {
				f.Team = *q.Team
			}
			ins, err := orEmpty(v.ListIncidents(ctx, f))
			if err != nil {
				return err
			}
			if q.Team != nil {
				// A lead's tasks include its pre-positioning moves: their
				// rows too (dispatch/preposition.go).
				f.Kind = dispatch.KindPreposition
				pre, err := v.ListIncidents(ctx, f)
				if err != nil {
					return err
				}
				ins = append(ins, pre...)
			} else {
				f.Kind = dispatch.KindPreposition
				if st.Prepositions, err = orEmpty(v.ListIncidents(ctx, f)); err != nil {
					return err
				}
			}
			st.Incidents = ins
		}
		if q.Topics.Has(realtime.TopicTasks) {
			f := dispatch.TaskFilter{Status: []dispatch.TaskStatus{dispatch.Assigned, dispatch.Acknowledged, dispatch.EnRoute, dispatch.OnScene}}
			if q.Team != nil {
				if *q.Team == "" {
					return nil
				}
				f.Team = *q.Team
			} else {
				f.Scope = q.Scope
			}
			if st.Tasks, err = orEmpty(v.ListTasks(ctx, f)); err != nil {
				return err
			}
		}
		if q.Topics.Has(realtime.TopicOrders) {
			f := dispatch.OrderFilter{Depots: q.Depots, Status: []dispatch.OrderStatus{dispatch.Requested, dispatch.OrderConfirmed, dispatch.Shipped}}
			switch {
			case q.Team != nil && *q.Team == "":
				f.Depots = []string{} // a lead of no team: none
			case q.Team != nil:
				f.WorkedBy = *q.Team
			case q.Depots == nil:
				f.Scope = q.Scope
			}
			if st.Orders, err = orEmpty(v.ListOrders(ctx, f)); err != nil {
				return err
			}
		}
		if q.Topics.Has(realtime.TopicTeams) {
			if st.Teams, err = orEmpty(v.ListTeams(ctx, resources.TeamFilter{Region: q.Scope.Prefix, BBox: q.BBox, Limit: maxState})); err != nil {
				return err
			}
		}
		if q.Topics.Has(realtime.TopicDepots) {
			if st.Depots, err = orEmpty(v.ListDepots(ctx, resources.DepotFilter{Region: q.Scope.Prefix, BBox: q.BBox, Limit: maxState})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read a snapshot: %w", err)
	}
	return st, nil
}

// TeamIncidents implements realtime.StateSource.
func (s *Store) TeamIncidents(ctx context.Context, team string) ([]string, error) {
	out, err := s.strings(ctx, `SELECT DISTINCT incident_id FROM tasks WHERE team_id = $1`, team)
	if err != nil {
		return nil, fmt.Errorf("read the incidents of team %s: %w", team, err)
	}
	return out, nil
}

// maxState bounds each list of a snapshot, far above a national
// deployment's registry.
const maxState = 10_000_000

// orEmpty makes a nil list an empty one, so that a snapshot says "none"
// rather than leaving the topic out.
func orEmpty[T any](list []T, err error) ([]T, error) {
	if list == nil && err == nil {
		list = []T{}
	}
	return list, err
}

var _ realtime.StateSource = (*Store)(nil)
