package dispatch

import (
	"time"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// OrderStatus is where a material order is.
type OrderStatus string

// The order statuses. Stock is reserved while an order is requested or
// confirmed, taken from on hand when it ships, released when it is rejected
// or cancelled.
const (
	Requested      OrderStatus = "requested"
	OrderConfirmed OrderStatus = "confirmed"
	Shipped        OrderStatus = "shipped"
	Delivered      OrderStatus = "delivered"
	Rejected       OrderStatus = "rejected"
	OrderCancelled OrderStatus = "cancelled"
)

// OrderStatuses lists every order status.
var OrderStatuses = []OrderStatus{Requested, OrderConfirmed, Shipped, Delivered, Rejected, OrderCancelled}

// Holds reports whether an order in s holds a reservation.
func (s OrderStatus) Holds() bool { return s == Requested || s == OrderConfirmed }

// Live reports whether an order in s still counts towards the incident's
// needs.
func (s OrderStatus) Live() bool { return s != Rejected && s != OrderCancelled }

// OrderLine is one item of an order. Qty is what was asked; Committed is
// what the depot holds for it: Qty until the depot confirms, then what it
// confirmed, with Reason saying why it is less.
type OrderLine struct {
	Item      string `json:"item"`
	Name      string `json:"name,omitempty"`
	Unit      string `json:"unit,omitempty"`
	Qty       int64  `json:"qty"`
	Committed int64  `json:"committed"`
	Reason    string `json:"reason,omitempty"`
}

// Order is a material dispatch order to one depot for one incident.
type Order struct {
	ID        string      `json:"id"`
	Incident  string      `json:"incident"`
	Depot     string      `json:"depot"`
	DepotName string      `json:"depot_name"`
	Lines     []OrderLine `json:"lines"`
	Status    OrderStatus `json:"status"`
	// Reason is why it was rejected or cancelled.
	Reason string `json:"reason,omitempty"`
	// Exercise orders belong to a drill and never touch real stock.
	Exercise bool `json:"exercise"`
	// SupportRequest is the support request the order answers, if any.
	SupportRequest string `json:"support_request,omitempty"`
	// Suggestion is the suggestion the order was dispatched from, if any.
	Suggestion  string     `json:"suggestion,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	ShippedAt   *time.Time `json:"shipped_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	// EndedAt is when it was rejected or cancelled.
	EndedAt *time.Time `json:"ended_at,omitempty"`
	// Carrier is the team whose tracker rides with the shipment, if any;
	// ArrivedAt is when its fixes came to stay at the destination (the
	// incident's scene) while the order was shipped (arrival.go). Delivery
	// is still confirmed by a person.
	Carrier   string     `json:"carrier,omitempty"`
	ArrivedAt *time.Time `json:"arrived_at,omitempty"`
	// DepartedAt is when the carrier's fixes came to stay away from the
	// depot after the order shipped.
	DepartedAt *time.Time `json:"departed_at,omitempty"`
}

// OrderRequest asks for one order in a dispatch.
type OrderRequest struct {
	Depot string              `json:"depot"`
	Lines []resources.ItemQty `json:"lines"`
	// SupportRequest names the support request the order answers.
	SupportRequest string `json:"support_request,omitempty"`
	// Carrier names the team whose tracker rides with the shipment.
	Carrier string `json:"carrier,omitempty"`
	// suggestion is the dispatch's, set by Dispatch.
	suggestion string
}

// ConfirmLine commits less than asked on one line of an order.
type ConfirmLine struct {
	Item   string `json:"item"`
	Qty    int64  `json:"qty"`
	Reason string `json:"reason"`
}

// OrderFilter selects orders, newest first.
type OrderFilter struct {
	Incident string
	Depots   []string
	Status   []OrderStatus
	// Scope limits the list to the orders of incidents in it; WorkedBy,
	// when set, to those of incidents that team has or had a task on.
	Scope    dispatchd.Scope
	WorkedBy string
	// ReportedFrom and ReportedTo, when set, limit the list to the orders
	// of incidents reported in [ReportedFrom, ReportedTo).
	ReportedFrom, ReportedTo time.Time
	After                    string
	Limit                    int
}

// StockKey names the stock of one item at one depot.
type StockKey struct{ Depot, Item string }

// OrderEvent is the data of every order event: the order as it now is and
// the stock levels the change left, so that a projection can follow stock
// without reading the store.
type OrderEvent struct {
	*Order
	Stock []resources.Stock `json:"stock,omitempty"`
}

// TaskEvent is the data of every task event: the task as it now is and,
// when it was escalated or declined, the next-best teams offered to
// replace it.
type TaskEvent struct {
	*Task
	Offer []plan.Pick `json:"offer,omitempty"`
}

// TeamStatusEvent is the data of team.status: dispatch moved a team.
type TeamStatusEvent struct {
	Team   string               `json:"team"`
	Status resources.TeamStatus `json:"status"`
	Task   string               `json:"task"`
}

// StatusEvent is the data of incident.status.
type StatusEvent struct {
	ID     string         `json:"id"`
	From   IncidentStatus `json:"from"`
	To     IncidentStatus `json:"to"`
	Reason string         `json:"reason,omitempty"`
}
