package web

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd/dispatch"
)

// exportFormat reads how a report is wanted: format=json, csv or xlsx, or
// else the media type Accept prefers of JSON, CSV and a workbook.
func exportFormat(c echo.Context) (string, error) {
	q := newQuery(c)
	format := enum(q, "format", []string{"json", "csv", "xlsx"})
	if err := q.err(); err != nil {
		return "", err
	}
	if format != "" {
		return format, nil
	}
	as, err := negotiate(c, mimeJSON, mimeCSV, mimeXLSX)
	if err != nil {
		return "", err
	}
	return map[string]string{mimeJSON: "json", mimeCSV: "csv", mimeXLSX: "xlsx"}[as], nil
}

// getReview handles GET /api/v1/incidents/:id/review: JSON, or with
// format=csv or xlsx (or by Accept) a table or a workbook.
func (s *Server) getReview(c echo.Context) error {
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	r, err := s.d.Dispatch.Review(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return s.export(c, format, "review-"+r.Incident.ID, "复盘-"+fileName(r.Incident.Title)+"-"+r.Incident.ID,
		r, r.WriteCSV, func() []sheet { return reviewSheets(r) })
}

// export answers v in the format asked: JSON, or an attachment named base
// (ASCII) and name (its UTF-8 name) of the CSV that csv writes or the
// workbook of the sheets.
func (s *Server) export(c echo.Context, format, base, name string, v any, csv func(io.Writer) error, sheets func() []sheet) error {
	switch format {
	case "csv":
		attachment(c, mimeCSV+"; charset=utf-8", base+".csv", name+".csv")
		return csv(c.Response())
	case "xlsx":
		attachment(c, mimeXLSX, base+".xlsx", name+".xlsx")
		return writeXLSX(c.Response(), s.timeZone(), sheets())
	}
	return reply(c, http.StatusOK, v)
}

// getScores handles GET /api/v1/reviews/scores: a jurisdiction's scores
// against the review targets over a period, per child region, as JSON,
// CSV or a workbook.
func (s *Server) getScores(c echo.Context) error {
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	q := newQuery(c)
	to := queryTime(q, "to", time.Now().UTC())
	from := queryTime(q, "from", to.Add(-dispatch.DefaultScoresPeriod))
	if err := q.err(); err != nil {
		return err
	}
	sq := dispatch.ScoresQuery{From: from, To: to}
	if v := c.QueryParams(); v.Has("region") {
		r := strings.TrimSpace(v.Get("region"))
		sq.Region = &r
	}
	sc, err := s.d.Dispatch.Scores(c.Request().Context(), actor(c), sq)
	if err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(s.timeZone()).Format("20060102") }
	code := sc.Region.Code
	if code == "" {
		code = "all"
	}
	period := day(sc.From) + "-" + day(sc.To)
	return s.export(c, format, "scores-"+code+"-"+period, "对标-"+fileName(sc.Region.Name)+"-"+period,
		sc, sc.WriteCSV, func() []sheet { return scoresSheets(sc) })
}

// getReviewTargets handles GET /api/v1/review-targets.
func (s *Server) getReviewTargets(c echo.Context) error {
	t, err := s.d.Dispatch.ReviewTargets(c.Request().Context())
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// putReviewTargets handles PUT /api/v1/review-targets: the overrides
// replaced whole.
func (s *Server) putReviewTargets(c echo.Context) error {
	var body struct {
		Targets []dispatch.Target `json:"targets"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	t, err := s.d.Dispatch.SetReviewTargets(c.Request().Context(), actor(c), body.Targets)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// timeZone is the zone the exports write times in.
func (s *Server) timeZone() *time.Location {
	if s.zone == nil {
		return time.Local
	}
	return s.zone
}
