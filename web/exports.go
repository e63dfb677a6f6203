package web

import (
	"dispatchd/dispatch"
)

// The workbooks of the exports: one sheet per section.

// reviewSheets lays an incident's review out as a workbook.
func reviewSheets(r *dispatch.Review) []sheet {
	in := r.Incident
	out := []sheet{{name: "incident",
		header: []string{"id", "title", "type", "level", "status", "region", "reported_at", "first_task_at", "to_first_task_s",
			"escalations", "declines"},
		rows: [][]any{{in.ID, in.Title, in.Type, in.Level, string(in.Status), in.Region, r.ReportedAt, r.FirstTaskAt,
			r.ToFirstTaskS, r.Escalations, r.Declines}}}}
	tasks := sheet{name: "tasks", header: []string{"task", "team", "team_name", "need", "status", "assigned_at", "acked_at",
		"to_ack_s", "on_scene_at", "arrived_at", "arrived_by", "left_scene_at", "to_arrive_s", "completed_at", "escalated", "reason"}}
	for _, t := range r.Tasks {
		esc := ""
		if t.Escalated {
			esc = "yes"
		}
		tasks.rows = append(tasks.rows, []any{t.Task, t.Team, t.TeamName, t.Need, string(t.Status), t.AssignedAt, t.AckedAt,
			t.ToAckS, t.OnSceneAt, t.ArrivedAt, t.ArrivedBy, t.LeftSceneAt, t.ToArriveS, t.CompletedAt, esc, t.Reason})
	}
	orders := sheet{name: "orders", header: []string{"order", "depot", "depot_name", "status", "requested_at", "confirmed_at",
		"to_confirm_s", "shipped_at", "to_ship_s", "delivered_at", "to_deliver_s", "asked", "committed", "reason"}}
	for _, o := range r.Orders {
		var asked, sent int64
		for _, l := range o.Lines {
			asked += l.Qty
			sent += l.Committed
		}
		orders.rows = append(orders.rows, []any{o.Order, o.Depot, o.DepotName, string(o.Status), o.RequestedAt, o.ConfirmedAt,
			o.ToConfirmS, o.ShippedAt, o.ToShipS, o.DeliveredAt, o.ToDeliverS, asked, sent, o.Reason})
	}
	teams := sheet{name: "team_needs", header: []string{"capability", "asked", "dispatched", "arrived", "short"}}
	for _, n := range r.Needs.Teams {
		teams.rows = append(teams.rows, []any{n.Capability, n.Asked, n.Dispatched, n.Arrived, n.Short})
	}
	items := sheet{name: "item_needs", header: []string{"item", "name", "unit", "asked", "ordered", "delivered", "short"}}
	for _, n := range r.Needs.Items {
		items.rows = append(items.rows, []any{n.Item, n.Name, n.Unit, n.Asked, n.Ordered, n.Delivered, n.Short})
	}
	score := sheet{name: "score", header: []string{"metric", "target_s", "measured", "met", "overdue", "worst_s", "share"}}
	for _, m := range r.Score.Metrics {
		score.rows = append(score.rows, []any{m.Metric, m.TargetS, m.Measured, m.Met, m.Overdue, m.WorstS, m.Share})
	}
	score.rows = append(score.rows, []any{"overall", nil, r.Score.Measured, r.Score.Met, nil, r.Score.Share})
	return append(out, tasks, orders, teams, items, score)
}

// scoresSheets lays a jurisdiction's scores out as a workbook: the
// scores per region and the total, and the period.
func scoresSheets(sc *dispatch.Scores) []sheet {
	row := func(section string, rs dispatch.RegionScore) []any {
		out := []any{section, rs.Region.Code, rs.Region.Name, rs.Incidents}
		for _, m := range rs.Metrics {
			out = append(out, m.Measured, m.Met, m.Share)
		}
		return append(out, rs.Measured, rs.Met, rs.Share)
	}
	scores := sheet{name: "scores", header: dispatch.ScoresHeader()}
	for _, c := range sc.Children {
		scores.rows = append(scores.rows, row("region", c))
	}
	scores.rows = append(scores.rows, row("total", sc.Total))
	period := sheet{name: "period", header: []string{"region", "name", "from", "to"},
		rows: [][]any{{sc.Region.Code, sc.Region.Name, sc.From, sc.To}}}
	return []sheet{scores, period}
}
