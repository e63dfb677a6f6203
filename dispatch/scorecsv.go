package dispatch

import (
	"fmt"
	"io"
	"strconv"

	"dispatchd/resources"
)

// ScoresHeader is the header of the scores table: per region, the
// incidents, then each metric's measured, met and share, then the sums.
func ScoresHeader() []string {
	h := []string{"section", "region", "name", "incidents"}
	for _, m := range Metrics {
		h = append(h, m+"_measured", m+"_met", m+"_share")
	}
	return append(h, "measured", "met", "share")
}

// WriteCSV writes the scores as one table: a row per child region, then
// the total.
func (sc *Scores) WriteCSV(w io.Writer) error {
	ratio := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 3, 64)
	}
	row := func(section string, rs RegionScore) []string {
		out := []string{section, rs.Region.Code, rs.Region.Name, strconv.Itoa(rs.Incidents)}
		for _, m := range rs.Metrics {
			out = append(out, strconv.Itoa(m.Measured), strconv.Itoa(m.Met), ratio(m.Share))
		}
		return append(out, strconv.Itoa(rs.Measured), strconv.Itoa(rs.Met), ratio(rs.Share))
	}
	rows := [][]string{ScoresHeader()}
	for _, c := range sc.Children {
		rows = append(rows, row("region", c))
	}
	rows = append(rows, row("total", sc.Total))
	return resources.WriteCSV(w, rows)
}

// csvRows lays the score out in the review's table: a row per metric and
// one overall, the slowest step in answer_s, the target and counts in
// the note.
func (sc Score) csvRows() [][]string {
	num := func(v *float64, prec int) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', prec, 64)
	}
	row := func(id, worst, note string) []string {
		return []string{"score", id, "", "", "", "", "", worst, "", "", "", "", "", "", note}
	}
	var rows [][]string
	for _, m := range sc.Metrics {
		rows = append(rows, row(m.Metric, num(m.WorstS, 0), fmt.Sprintf("target_s=%d measured=%d met=%d overdue=%d share=%s",
			m.TargetS, m.Measured, m.Met, m.Overdue, num(m.Share, 3))))
	}
	return append(rows, row("overall", "", fmt.Sprintf("measured=%d met=%d share=%s", sc.Measured, sc.Met, num(sc.Share, 3))))
}
