package dispatch_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"dispatchd/dispatch"
	"dispatchd/resources"
)

// TestReviewCSVNeutralisesFormulas writes a review whose every typed field
// starts like a spreadsheet formula: no cell of the CSV does (OWASP CSV
// injection), and plain numbers stay numbers.
func TestReviewCSVNeutralisesFormulas(t *testing.T) {
	evil := []string{"=cmd|' /C calc'!A0", "+1+cmd|x", "-2+cmd|x", "@SUM(A1)", "\tx", "\rx"}
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	r := &dispatch.Review{Incident: &dispatch.Incident{ID: "i1", Title: evil[0], Type: evil[1]}, ReportedAt: at}
	for i, s := range evil {
		r.Tasks = append(r.Tasks, dispatch.TaskReview{Task: "t", TeamName: s, Need: s, Status: dispatch.TaskStatus(s), AssignedAt: at, Reason: s})
		r.Orders = append(r.Orders, dispatch.OrderReview{Order: "o", DepotName: s, Status: dispatch.OrderStatus(s), RequestedAt: at, Reason: s})
		r.Needs.Teams = append(r.Needs.Teams, dispatch.TeamNeedReview{Capability: s, Short: -i})
		r.Needs.Items = append(r.Needs.Items, dispatch.ItemNeedReview{Item: s, Name: s, Unit: s, Short: -int64(i)})
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(buf.Bytes(), []byte(resources.CSVByteOrderMark))
	if !ok || !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Fatalf("got %q, want a byte-order mark and CRLF line ends", buf.Bytes())
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	numbers := 0
	for _, row := range rows {
		for _, c := range row {
			if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				continue
			}
			if strings.Trim(c, "-0123456789") != "" {
				t.Errorf("got cell %q, want it neutralised with a leading quote", c)
			}
			numbers++
		}
	}
	if numbers == 0 {
		t.Errorf("got no negative number, want them left as numbers")
	}
}
