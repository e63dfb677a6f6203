package web

import (
	"bytes"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/warning"
	"dispatchd/warning/cap"
)

// Warnings (预警) and their call-and-answer (叫应): a warning is issued in
// JSON or as a CAP 1.2 alert, read back in either, and its recipients'
// answers are listed and summed up per region.

// Media types of warnings.
const (
	mimeCAP  = "application/cap+xml"
	mimeJSON = echo.MIMEApplicationJSON
)

// createWarning handles POST /api/v1/warnings: a warning in JSON, or a CAP
// 1.2 alert when the body's type is application/cap+xml. The answer is the
// warning in the type Accept prefers, JSON or CAP.
func (s *Server) createWarning(c echo.Context) error {
	as, err := negotiate(c, mimeJSON, mimeCAP)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var w *warning.Warning
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt == mimeCAP {
		// cap.Decode reads at most cap.MaxSize bytes and refuses more.
		a, err := cap.Decode(c.Request().Body)
		if err != nil {
			return err
		}
		w, err = s.d.Persons.IssueCAP(ctx, actor(c), a)
		if err != nil {
			return err
		}
	} else {
		var in warning.Warning
		if err := bind(c, &in); err != nil {
			return err
		}
		if w, err = s.d.Persons.Issue(ctx, actor(c), in); err != nil {
			return err
		}
	}
	return replyWarning(c, http.StatusCreated, as, w)
}

// listWarnings handles GET /api/v1/warnings.
func (s *Server) listWarnings(c echo.Context) error {
	q := newQuery(c)
	f := warning.WarningFilter{State: enum(q, "state", warningStates), Level: enum(q, "level", cap.Levels),
		Before: q.cursor(), Limit: int(q.int("limit", 1, warning.MaxLimit))}
	if err := q.err(); err != nil {
		return err
	}
	ws, next, err := s.d.Persons.Warnings(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	for i := range ws {
		fillWarning(&ws[i])
	}
	return reply(c, http.StatusOK, newList(ws, next))
}

var warningStates = []string{warning.Active, warning.Updated, warning.Cancelled}

var recipientStates = []string{warning.Queued, warning.SentState, warning.Delivered, warning.Answered, warning.Failed, warning.Escalated}

// getWarning handles GET /api/v1/warnings/:id, in JSON or, when Accept
// prefers it, as a CAP 1.2 alert.
func (s *Server) getWarning(c echo.Context) error {
	as, err := negotiate(c, mimeJSON, mimeCAP)
	if err != nil {
		return err
	}
	w, err := s.d.Persons.Warning(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return replyWarning(c, http.StatusOK, as, w)
}

// listRecipients handles GET /api/v1/warnings/:id/recipients.
func (s *Server) listRecipients(c echo.Context) error {
	q := newQuery(c)
	f := warning.RecipientFilter{Warning: c.Param("id"), Region: q.str("region"), State: enum(q, "state", recipientStates),
		After: q.cursor(), Limit: int(q.int("limit", 1, warning.MaxRecipients))}
	if u := q.bool("unanswered"); u != nil {
		f.Unanswered = *u
	}
	if err := q.err(); err != nil {
		return err
	}
	rs, next, err := s.d.Persons.WarningRecipients(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(rs, next))
}

// getWarningSummary handles GET /api/v1/warnings/:id/summary; with
// format=csv, the after-action record as a spreadsheet table (the summary
// and every recipient).
func (s *Server) getWarningSummary(c echo.Context) error {
	q := newQuery(c)
	format := enum(q, "format", []string{"json", "csv"})
	if err := q.err(); err != nil {
		return err
	}
	if format == "csv" {
		sum, rs, err := s.d.Persons.Review(c.Request().Context(), actor(c), c.Param("id"))
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="warning-`+sum.Warning+`.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		return warning.WriteReviewCSV(c.Response(), sum, rs)
	}
	sum, err := s.d.Persons.Summary(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	if sum.Regions == nil {
		sum.Regions = []warning.RegionSummary{}
	}
	for _, r := range append([]*warning.RegionSummary{&sum.Totals}, ptrs(sum.Regions)...) {
		if r.Unanswered == nil {
			r.Unanswered = []warning.Recipient{}
		}
	}
	return reply(c, http.StatusOK, sum)
}

// answerRecipient handles POST /api/v1/warnings/:id/recipients/:rid/answer:
// a commander records an answer taken by phone.
func (s *Server) answerRecipient(c echo.Context) error {
	var b struct{}
	if err := bindOptional(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.d.Persons.AnswerByConsole(ctx, actor(c), c.Param("id"), c.Param("rid"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, r)
}

func ptrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

// replyWarning writes w as JSON or as CAP XML.
func replyWarning(c echo.Context, status int, as string, w *warning.Warning) error {
	c.Response().Header().Add(echo.HeaderVary, "Accept")
	if as != mimeCAP {
		fillWarning(w)
		return reply(c, status, w)
	}
	a := warning.CAP(w)
	if a == nil {
		return dispatchd.Errorf(dispatchd.EINTERNAL, "warning %s has no CAP alert", w.ID)
	}
	var buf bytes.Buffer
	if err := cap.Encode(&buf, a); err != nil {
		return err
	}
	return c.Blob(status, mimeCAP, buf.Bytes())
}

// fillWarning gives the lists of w that are nil an empty value, as the
// document promises arrays.
func fillWarning(w *warning.Warning) {
	empty := func(s *[]string) {
		if *s == nil {
			*s = []string{}
		}
	}
	empty(&w.References)
	empty(&w.Category)
	empty(&w.Regions)
	if w.Duties == nil {
		w.Duties = []warning.Duty{}
	}
	if w.Areas == nil {
		w.Areas = []warning.Area{}
	}
	for i := range w.Areas {
		empty(&w.Areas[i].Regions)
		if w.Areas[i].Polygons == nil {
			w.Areas[i].Polygons = [][][2]float64{}
		}
	}
}
