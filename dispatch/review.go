package dispatch

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// Review measures an incident's response against the standard questions
// of an after-action review: who was asked when, who answered when, who
// arrived when, what was short.
type Review struct {
	Incident     *Incident     `json:"incident"`
	ReportedAt   time.Time     `json:"reported_at"`
	FirstTaskAt  *time.Time    `json:"first_task_at"`
	ToFirstTaskS *float64      `json:"to_first_task_s"`
	Escalations  int           `json:"escalations"`
	Declines     int           `json:"declines"`
	Tasks        []TaskReview  `json:"tasks"`
	Orders       []OrderReview `json:"orders"`
	Needs        NeedsReview   `json:"needs"`
	// Score holds the response to the standard table (score.go).
	Score Score `json:"score"`
	// Proposals sets each dispatch against the suggestion it named.
	Proposals []ProposalReview `json:"proposals"`
}

// TaskReview is the record of one task. Times are measured from when the
// task was assigned.
type TaskReview struct {
	Task       string     `json:"task"`
	Team       string     `json:"team"`
	TeamName   string     `json:"team_name"`
	Need       string     `json:"need"`
	Status     TaskStatus `json:"status"`
	AssignedAt time.Time  `json:"assigned_at"`
	AckedAt    *time.Time `json:"acked_at"`
	ToAckS     *float64   `json:"to_ack_s"`
	OnSceneAt  *time.Time `json:"on_scene_at"`
	// ArrivedAt is the geofence's arrival (Task.ArrivedAt); ToArriveS
	// measures to it when there is one, else to on_scene, and ArrivedBy
	// says which ("geofence" or "status"; "" when neither).
	ArrivedAt   *time.Time `json:"arrived_at"`
	ArrivedBy   string     `json:"arrived_by,omitempty"`
	LeftSceneAt *time.Time `json:"left_scene_at"`
	ToArriveS   *float64   `json:"to_arrive_s"`
	CompletedAt *time.Time `json:"completed_at"`
	Escalated   bool       `json:"escalated"`
	Reason      string     `json:"reason,omitempty"`
}

// OrderReview is the record of one order. Times are measured from when it
// was requested.
type OrderReview struct {
	Order       string      `json:"order"`
	Depot       string      `json:"depot"`
	DepotName   string      `json:"depot_name"`
	Status      OrderStatus `json:"status"`
	RequestedAt time.Time   `json:"requested_at"`
	ConfirmedAt *time.Time  `json:"confirmed_at"`
	ToConfirmS  *float64    `json:"to_confirm_s"`
	ShippedAt   *time.Time  `json:"shipped_at"`
	ToShipS     *float64    `json:"to_ship_s"`
	DeliveredAt *time.Time  `json:"delivered_at"`
	ToDeliverS  *float64    `json:"to_deliver_s"`
	Lines       []OrderLine `json:"lines"`
	Reason      string      `json:"reason,omitempty"`
}

// NeedsReview sets what was asked against what was sent and what arrived.
type NeedsReview struct {
	Teams []TeamNeedReview `json:"teams"`
	Items []ItemNeedReview `json:"items"`
}

// TeamNeedReview is one team need: asked, dispatched (tasks not declined
// or cancelled), arrived (on scene or completed).
type TeamNeedReview struct {
	Capability string `json:"capability"`
	Asked      int    `json:"asked"`
	Dispatched int    `json:"dispatched"`
	Arrived    int    `json:"arrived"`
	Short      int    `json:"short"`
}

// ItemNeedReview is one item need: asked, ordered (committed by live
// orders), delivered, and short (asked less ordered).
type ItemNeedReview struct {
	Item      string `json:"item"`
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	Asked     int64  `json:"asked"`
	Ordered   int64  `json:"ordered"`
	Delivered int64  `json:"delivered"`
	Short     int64  `json:"short"`
}

func since(from time.Time, t *time.Time) *float64 {
	if t == nil {
		return nil
	}
	v := t.Sub(from).Seconds()
	return &v
}

// Review builds the after-action review of an incident.
func (s *Service) Review(ctx context.Context, actor dispatchd.Actor, id string) (*Review, error) {
	in, err := s.visibleIncident(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	_, tasks, orders, err := s.covered(ctx, id)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(tasks, func(a, b Task) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID)) })
	slices.SortFunc(orders, func(a, b Order) int { return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID)) })
	r := &Review{Incident: in, ReportedAt: in.ReportedAt, Tasks: []TaskReview{}, Orders: []OrderReview{}}
	for _, t := range tasks {
		if r.FirstTaskAt == nil {
			at := t.CreatedAt
			r.FirstTaskAt, r.ToFirstTaskS = &at, since(in.ReportedAt, &at)
		}
		if t.Escalated {
			r.Escalations++
		}
		if t.Status == Declined {
			r.Declines++
		}
		arrived, by := t.Arrival()
		r.Tasks = append(r.Tasks, TaskReview{Task: t.ID, Team: t.Team, TeamName: t.TeamName, Need: t.Need, Status: t.Status,
			AssignedAt: t.CreatedAt, AckedAt: t.AckedAt, ToAckS: since(t.CreatedAt, t.AckedAt), OnSceneAt: t.OnSceneAt,
			ArrivedAt: t.ArrivedAt, ArrivedBy: by, LeftSceneAt: t.LeftSceneAt,
			ToArriveS: since(t.CreatedAt, arrived), CompletedAt: t.CompletedAt, Escalated: t.Escalated, Reason: t.Reason})
	}
	for _, o := range orders {
		r.Orders = append(r.Orders, OrderReview{Order: o.ID, Depot: o.Depot, DepotName: o.DepotName, Status: o.Status,
			RequestedAt: o.CreatedAt, ConfirmedAt: o.ConfirmedAt, ToConfirmS: since(o.CreatedAt, o.ConfirmedAt),
			ShippedAt: o.ShippedAt, ToShipS: since(o.CreatedAt, o.ShippedAt), DeliveredAt: o.DeliveredAt,
			ToDeliverS: since(o.CreatedAt, o.DeliveredAt), Lines: o.Lines, Reason: o.Reason})
	}
	r.Needs = reviewNeeds(in, tasks, orders)
	tt, err := s.store.ReviewTargets(ctx)
	if err != nil {
		return nil, err
	}
	r.Score = scoreIncident(in, tasks, orders, newTargetTable(tt), s.now())
	if r.Proposals, err = s.reviewProposals(ctx, id, tasks, orders); err != nil {
		return nil, err
	}
	return r, nil
}

func reviewNeeds(in *Incident, tasks []Task, orders []Order) NeedsReview {
	nr := NeedsReview{Teams: []TeamNeedReview{}, Items: []ItemNeedReview{}}
	for _, n := range in.Needs.Teams {
		tr := TeamNeedReview{Capability: n.Capability, Asked: n.Count}
		for _, t := range tasks {
			if t.Need != n.Capability || t.Status == Declined || t.Status == TaskCancelled {
				continue
			}
			tr.Dispatched++
			if at, _ := t.Arrival(); at != nil {
				tr.Arrived++
			}
		}
		tr.Short = max(tr.Asked-tr.Dispatched, 0)
		nr.Teams = append(nr.Teams, tr)
	}
	for _, n := range in.Needs.Items {
		ir := ItemNeedReview{Item: n.Item, Asked: n.Qty}
		for _, o := range orders {
			for _, l := range o.Lines {
				if l.Item != n.Item {
					continue
				}
				ir.Name, ir.Unit = l.Name, l.Unit
				if o.Status.Live() {
					ir.Ordered += l.Committed
				}
				if o.Status == Delivered {
					ir.Delivered += l.Committed
				}
			}
		}
		ir.Short = max(ir.Asked-ir.Ordered, 0)
		nr.Items = append(nr.Items, ir)
	}
	return nr
}

// WriteCSV writes the review as one table: a row per task, order and need,
// with the times that matter, then the proposals section (proposalRows)
// and the score against the targets, for a spreadsheet.
func (r *Review) WriteCSV(w io.Writer) error {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	secs := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 0, 64)
	}
	rows := [][]string{{"section", "id", "who", "need_or_item", "status", "asked_at", "answered_at", "answer_s",
		"arrived_at", "arrive_s", "asked", "sent", "arrived", "short", "note"}}
	first := ""
	if r.FirstTaskAt != nil {
		first = ts(r.FirstTaskAt)
	}
	rows = append(rows, []string{"incident", r.Incident.ID, r.Incident.Title, r.Incident.Type, string(r.Incident.Status),
		ts(&r.ReportedAt), first, secs(r.ToFirstTaskS), "", "", "", "", "", "",
		"escalations " + strconv.Itoa(r.Escalations) + ", declines " + strconv.Itoa(r.Declines)})
	for _, t := range r.Tasks {
		note := t.Reason
		if t.Escalated {
			note = "escalated; " + note
		}
		// arrived_at is the time arrive_s measures to: the geofence's, or
		// on_scene's; the note says which.
		arrived := t.OnSceneAt
		if t.ArrivedBy == ArrivedByGeofence {
			arrived = t.ArrivedAt
			note = strings.TrimSuffix("arrived by geofence; "+note, "; ")
		}
		rows = append(rows, []string{"task", t.Task, t.TeamName, t.Need, string(t.Status), ts(&t.AssignedAt), ts(t.AckedAt),
			secs(t.ToAckS), ts(arrived), secs(t.ToArriveS), "", "", "", "", note})
	}
	for _, o := range r.Orders {
		var asked, sent int64
		for _, l := range o.Lines {
			asked += l.Qty
			sent += l.Committed
		}
		rows = append(rows, []string{"order", o.Order, o.DepotName, "", string(o.Status), ts(&o.RequestedAt), ts(o.ConfirmedAt),
			secs(o.ToConfirmS), ts(o.DeliveredAt), secs(o.ToDeliverS), itoa64(asked), itoa64(sent), "", itoa64(asked - sent), o.Reason})
	}
	for _, n := range r.Needs.Teams {
		rows = append(rows, []string{"team_need", "", "", n.Capability, "", "", "", "", "", "",
			strconv.Itoa(n.Asked), strconv.Itoa(n.Dispatched), strconv.Itoa(n.Arrived), strconv.Itoa(n.Short), ""})
	}
	for _, n := range r.Needs.Items {
		rows = append(rows, []string{"item_need", "", "", n.Item + " " + n.Name, "", "", "", "", "", "",
			itoa64(n.Asked), itoa64(n.Ordered), itoa64(n.Delivered), itoa64(n.Short), n.Unit})
	}
	rows = append(rows, proposalRows(r.Proposals, ts)...)
	rows = append(rows, r.Score.csvRows()...)
	// Every cell is guarded, not only the free text: an item's unit or an
	// incident's type is typed by someone too.
	return resources.WriteCSV(w, rows)
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }
