package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
)

// listIncidents handles GET /api/v1/incidents.
func (s *Server) listIncidents(c echo.Context) error {
	q := newQuery(c)
	f := dispatch.IncidentFilter{Type: q.str("type"), Level: int(q.int("level", 1, 4)), BBox: q.bbox(),
		From: q.time("from"), To: q.time("to"), Exercise: q.bool("exercise"), After: q.cursor(),
		Limit: int(q.int("limit", 1, dispatch.MaxLimit))}
	f.Status = enumList(q, "status", dispatch.IncidentStatuses)
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.d.Dispatch.Incidents(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(items, next))
}

// createIncident handles POST /api/v1/incidents.
func (s *Server) createIncident(c echo.Context) error {
	var in dispatch.Incident
	if err := bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Dispatch.CreateIncident(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out)
}

// getIncident handles GET /api/v1/incidents/:id.
func (s *Server) getIncident(c echo.Context) error {
	out, err := s.d.Dispatch.Incident(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// updateIncident handles PATCH /api/v1/incidents/:id.
func (s *Server) updateIncident(c echo.Context) error {
	var p dispatch.IncidentPatch
	if err := bind(c, &p); err != nil {
		return err
	}
	out, err := s.d.Dispatch.UpdateIncident(c.Request().Context(), actor(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// statusBody is the body of a status change.
type statusBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// setIncidentStatus handles POST /api/v1/incidents/:id/status.
func (s *Server) setIncidentStatus(c echo.Context) error {
	var b statusBody
	if err := bind(c, &b); err != nil {
		return err
	}
	out, err := s.d.Dispatch.SetIncidentStatus(c.Request().Context(), actor(c), c.Param("id"), dispatch.IncidentStatus(b.Status), b.Reason)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// getTimeline handles GET /api/v1/incidents/:id/timeline.
func (s *Server) getTimeline(c echo.Context) error {
	evs, err := s.d.Dispatch.Timeline(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(evs, ""))
}

// suggestionAnswer is a suggestion with the dispatch that carries out its
// own part, to post unchanged to /api/v1/incidents/:id/dispatch, and the
// support request that asks for the rest, when anything needs support.
type suggestionAnswer struct {
	*plan.Suggestion
	Dispatch dispatch.DispatchRequest `json:"dispatch"`
	Support  *dispatch.SupportDraft   `json:"support,omitempty"`
}

// fromSuggestion names the suggestion a single task or order carries out,
// as a dispatch does.
type fromSuggestion struct {
	Suggestion string          `json:"suggestion,omitempty"`
	Skipped    []dispatch.Skip `json:"skipped,omitempty"`
}

// getSuggestions handles GET /api/v1/incidents/:id/suggestions.
func (s *Server) getSuggestions(c echo.Context) error {
	a := actor(c)
	out, err := s.d.Dispatch.Suggest(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	support, err := s.d.Dispatch.SupportDraft(c.Request().Context(), a, out)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, suggestionAnswer{out, dispatch.PlanRequest(out), support})
}

// dispatchPlan handles POST /api/v1/incidents/:id/dispatch.
func (s *Server) dispatchPlan(c echo.Context) error {
	var r dispatch.DispatchRequest
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := s.d.Dispatch.Dispatch(c.Request().Context(), actor(c), c.Param("id"), r)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out)
}

// createTask handles POST /api/v1/incidents/:id/tasks.
func (s *Server) createTask(c echo.Context) error {
	var r struct {
		dispatch.TaskRequest
		fromSuggestion
	}
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := s.d.Dispatch.Dispatch(c.Request().Context(), actor(c), c.Param("id"), dispatch.DispatchRequest{
		Tasks: []dispatch.TaskRequest{r.TaskRequest}, Suggestion: r.Suggestion, Skipped: r.Skipped})
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out.Tasks[0])
}

// createOrder handles POST /api/v1/incidents/:id/orders.
func (s *Server) createOrder(c echo.Context) error {
	var r struct {
		dispatch.OrderRequest
		fromSuggestion
	}
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := s.d.Dispatch.Dispatch(c.Request().Context(), actor(c), c.Param("id"), dispatch.DispatchRequest{
		Orders: []dispatch.OrderRequest{r.OrderRequest}, Suggestion: r.Suggestion, Skipped: r.Skipped})
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out.Orders[0])
}

// listIncidentTasks handles GET /api/v1/incidents/:id/tasks.
func (s *Server) listIncidentTasks(c echo.Context) error {
	return s.tasks(c, c.Param("id"))
}

// listTasks handles GET /api/v1/tasks.
func (s *Server) listTasks(c echo.Context) error { return s.tasks(c, "") }

func (s *Server) tasks(c echo.Context, incident string) error {
	q := newQuery(c)
	f := dispatch.TaskFilter{Incident: incident, Team: q.str("team"), After: q.cursor(), Limit: int(q.int("limit", 1, dispatch.MaxLimit))}
	if incident == "" {
		f.Incident = q.str("incident")
	}
	f.Status = enumList(q, "status", dispatch.TaskStatuses)
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.d.Dispatch.Tasks(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(items, next))
}

// listIncidentOrders handles GET /api/v1/incidents/:id/orders.
func (s *Server) listIncidentOrders(c echo.Context) error {
	return s.orders(c, c.Param("id"))
}

// listOrders handles GET /api/v1/orders.
func (s *Server) listOrders(c echo.Context) error { return s.orders(c, "") }

func (s *Server) orders(c echo.Context, incident string) error {
	q := newQuery(c)
	f := dispatch.OrderFilter{Incident: incident, After: q.cursor(), Limit: int(q.int("limit", 1, dispatch.MaxLimit))}
	if incident == "" {
		f.Incident = q.str("incident")
	}
	if d := q.str("depot"); d != "" {
		f.Depots = []string{d}
	}
	f.Status = enumList(q, "status", dispatch.OrderStatuses)
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.d.Dispatch.Orders(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(items, next))
}

// getTask handles GET /api/v1/tasks/:id.
func (s *Server) getTask(c echo.Context) error {
	return s.replyTask(c, func(a dispatchd.Actor, id string) (*dispatch.Task, error) {
		return s.d.Dispatch.Task(c.Request().Context(), a, id)
	})
}

// replyTask runs one task operation and answers with the task.
func (s *Server) replyTask(c echo.Context, op func(a dispatchd.Actor, id string) (*dispatch.Task, error)) error {
	t, err := op(actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// reasonBody is the body of a decline, reject or cancel.
type reasonBody struct {
	Reason string `json:"reason"`
}

// bindOptional decodes a body that may be absent.
func bindOptional(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return bind(c, v)
}

// ackTask handles POST /api/v1/tasks/:id/ack.
func (s *Server) ackTask(c echo.Context) error {
	return s.replyTask(c, func(a dispatchd.Actor, id string) (*dispatch.Task, error) {
		return s.d.Dispatch.Ack(c.Request().Context(), a, id)
	})
}

// declineTask handles POST /api/v1/tasks/:id/decline.
func (s *Server) declineTask(c echo.Context) error {
	var b reasonBody
	if err := bind(c, &b); err != nil {
		return err
	}
	return s.replyTask(c, func(a dispatchd.Actor, id string) (*dispatch.Task, error) {
		return s.d.Dispatch.Decline(c.Request().Context(), a, id, b.Reason)
	})
}

// reportTask handles POST /api/v1/tasks/:id/status.
func (s *Server) reportTask(c echo.Context) error {
	var b statusBody
	if err := bind(c, &b); err != nil {
		return err
	}
	return s.replyTask(c, func(a dispatchd.Actor, id string) (*dispatch.Task, error) {
		return s.d.Dispatch.Report(c.Request().Context(), a, id, dispatch.TaskStatus(b.Status))
	})
}

// cancelTask handles POST /api/v1/tasks/:id/cancel.
func (s *Server) cancelTask(c echo.Context) error {
	var b reasonBody
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	return s.replyTask(c, func(a dispatchd.Actor, id string) (*dispatch.Task, error) {
		return s.d.Dispatch.CancelTask(c.Request().Context(), a, id, b.Reason)
	})
}

// replaceTask handles POST /api/v1/tasks/:id/replace.
func (s *Server) replaceTask(c echo.Context) error {
	var b dispatch.ReplaceRequest
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	out, err := s.d.Dispatch.Replace(c.Request().Context(), actor(c), c.Param("id"), b)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out)
}

// replyOrder runs one order operation and answers with the order.
func (s *Server) replyOrder(c echo.Context, op func(a dispatchd.Actor, id string) (*dispatch.Order, error)) error {
	o, err := op(actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, o)
}

// getOrder handles GET /api/v1/orders/:id.
func (s *Server) getOrder(c echo.Context) error {
	return s.replyOrder(c, func(a dispatchd.Actor, id string) (*dispatch.Order, error) {
		return s.d.Dispatch.Order(c.Request().Context(), a, id)
	})
}

// confirmBody is the body of an order confirmation: lines to commit less
// on, or none to confirm everything asked.
type confirmBody struct {
	Lines []dispatch.ConfirmLine `json:"lines"`
}

// confirmOrder handles POST /api/v1/orders/:id/confirm.
func (s *Server) confirmOrder(c echo.Context) error {
	var b confirmBody
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	return s.replyOrder(c, func(a dispatchd.Actor, id string) (*dispatch.Order, error) {
		return s.d.Dispatch.Confirm(c.Request().Context(), a, id, b.Lines)
	})
}

// rejectOrder handles POST /api/v1/orders/:id/reject.
func (s *Server) rejectOrder(c echo.Context) error {
	var b reasonBody
	if err := bind(c, &b); err != nil {
		return err
	}
	return s.replyOrder(c, func(a dispatchd.Actor, id string) (*dispatch.Order, error) {
		return s.d.Dispatch.Reject(c.Request().Context(), a, id, b.Reason)
	})
}

// shipOrder handles POST /api/v1/orders/:id/ship; the optional body
// {"carrier": TEAM} names the team whose tracker rides with the shipment.
func (s *Server) shipOrder(c echo.Context) error {
	var b struct {
		Carrier string `json:"carrier"`
	}
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	return s.replyOrder(c, func(a dispatchd.Actor, id string) (*dispatch.Order, error) {
		return s.d.Dispatch.ShipWith(c.Request().Context(), a, id, b.Carrier)
	})
}

// deliverOrder handles POST /api/v1/orders/:id/deliver.
func (s *Server) deliverOrder(c echo.Context) error {
	return s.replyOrder(c, func(a dispatchd.Actor, id string) (*dispatch.Order, error) {
		return s.d.Dispatch.Deliver(c.Request().Context(), a, id)
	})
}

// cancelOrder handles POST /api/v1/orders/:id/cancel.
func (s *Server) cancelOrder(c echo.Context) error {
	var b reasonBody
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	return s.replyOrder(c, func(a dispatchd.Actor, id string) (*dispatch.Order, error) {
		return s.d.Dispatch.CancelOrder(c.Request().Context(), a, id, b.Reason)
	})
}

// time reads an RFC 3339 time parameter.
func (q *query) time(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.errs.Add(name, "must be an RFC 3339 time such as 2026-07-01T08:00:00Z")
	}
	return t.UTC()
}

// bool reads a true/false parameter; nil when absent.
func (q *query) bool(name string) *bool {
	switch q.str(name) {
	case "":
		return nil
	case "true", "1":
		v := true
		return &v
	case "false", "0":
		v := false
		return &v
	}
	q.errs.Add(name, "must be true or false")
	return nil
}

// enumList reads a comma-separated list of allowed values.
func enumList[T ~string](q *query, name string, allowed []T) []T {
	s := q.str(name)
	if s == "" {
		return nil
	}
	var out []T
	for _, part := range strings.Split(s, ",") {
		v := T(strings.TrimSpace(part))
		if !slices.Contains(allowed, v) {
			q.errs.Add(name, "%q is not one of %s", string(v), resources.JoinEnum(allowed))
			return nil
		}
		out = append(out, v)
	}
	return out
}
