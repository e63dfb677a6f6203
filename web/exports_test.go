package web_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dispatchd/realtime"
)

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// TestReviewTargetsAndScores sets the review targets over the API, reads
// an incident's score in its review, and the scores of the deployment as
// JSON, CSV and a workbook.
func TestReviewTargetsAndScores(t *testing.T) {
	e := newEnv(t, "sqlite")
	setupBoard(e)
	id := newIncident(e, "score-1", nil)
	plan := map[string]any{"tasks": []map[string]any{{"team": "t2", "need": "water_rescue"}}}
	var res struct{ Tasks []taskOut }
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", plan), 201, &res)
	e.mustJSON(e.as("commander", "POST", "/api/v1/tasks/"+res.Tasks[0].ID+"/ack", nil), 200, nil)

	targets := map[string]any{"targets": []map[string]any{
		{"metric": "ack", "type": "flood", "level": 2, "seconds": 3600},
		{"metric": "ack", "type": "", "level": 0, "seconds": 1},
		{"metric": "first_task", "type": "", "level": 2, "seconds": 600}}}
	e.mustProblem(e.as("commander", "PUT", "/api/v1/review-targets", targets), 403)
	e.mustProblem(e.as("admin", "PUT", "/api/v1/review-targets", map[string]any{"targets": []map[string]any{
		{"metric": "speed", "type": "lava", "level": 7, "seconds": -1}}}), 400,
		"targets[0].metric", "targets[0].type", "targets[0].level", "targets[0].seconds")
	e.mustJSON(e.as("admin", "PUT", "/api/v1/review-targets", targets), 200, nil)
	var got struct {
		Defaults map[string]int
		Targets  []struct{ Metric string }
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/review-targets", nil), 200, &got)
	if len(got.Targets) != 3 || got.Targets[0].Metric != "first_task" || got.Defaults["on_scene"] != 3600 {
		t.Fatalf("got targets %+v, want 3, first_task first, and the defaults", got)
	}

	var review struct {
		Score struct {
			Metrics []struct {
				Metric        string
				TargetS       int `json:"target_s"`
				Measured, Met int
				WorstS        *float64 `json:"worst_s"`
			}
			Measured int
		}
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil), 200, &review)
	m := review.Score.Metrics
	if len(m) != 4 || m[0].TargetS != 600 || m[0].Measured != 1 || m[1].Metric != "ack" || m[1].TargetS != 3600 ||
		m[1].Met != 1 || m[1].WorstS == nil || m[2].Measured != 0 || m[3].TargetS != 3*3600 {
		t.Fatalf("got score %+v, want the flood level 2 targets applied and the ack met", review.Score)
	}

	var sc struct {
		Total struct {
			Incidents int
			Metrics   []struct{ Measured, Met int }
		}
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/reviews/scores", nil), 200, &sc)
	if sc.Total.Incidents != 1 || sc.Total.Metrics[1].Met != 1 {
		t.Fatalf("got scores %+v, want one incident and its ack met", sc)
	}
	r := e.as("viewer", "GET", "/api/v1/reviews/scores?format=csv", nil)
	rows := readCSV(t, r.body)
	if len(rows) != 2 || rows[1][0] != "total" || rows[1][3] != "1" || rows[0][7] != "ack_measured" || rows[1][7] != "1" {
		t.Fatalf("got scores CSV %q, want the header and the total", rows)
	}
	r = e.as("viewer", "GET", "/api/v1/reviews/scores", nil, "Accept", mimeXLSX)
	f := openWorkbook(t, r, "scores-all-")
	checkSheets(t, f, "scores", "period")
	if v, _ := f.GetCellValue("scores", "D2"); v != "1" {
		t.Errorf("got the total's incidents %q, want 1", v)
	}
	checkNumber(t, f, "scores", "D2")
	checkDate(t, f, "period", "C2")
	e.mustProblem(e.as("viewer", "GET", "/api/v1/reviews/scores?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", nil), 400, "from")
	e.mustProblem(e.as("viewer", "GET", "/api/v1/reviews/scores?format=pdf", nil), 400, "format")
}

// TestReviewWorkbook exports a review as a workbook, by format and by
// Accept: one sheet per section, the header bold and frozen, numbers as
// numbers, times as dates, columns sized, a Chinese file name.
func TestReviewWorkbook(t *testing.T) {
	e := newEnv(t, "sqlite")
	setupBoard(e)
	id := newIncident(e, "wb-1", nil)
	plan := map[string]any{"tasks": []map[string]any{{"team": "t2", "need": "water_rescue"}}}
	e.mustJSON(e.as("commander", "POST", "/api/v1/incidents/"+id+"/dispatch", plan), 201, nil)
	var review struct {
		ReportedAt time.Time `json:"reported_at"`
	}
	e.mustJSON(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil), 200, &review)

	for _, r := range []response{
		e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review?format=xlsx", nil),
		e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil, "Accept", mimeXLSX+", application/json;q=0.5"),
	} {
		f := openWorkbook(t, r, "review-"+id)
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''%E5%A4%8D%E7%9B%98-") {
			t.Errorf("got Content-Disposition %q, want the name 复盘-... in UTF-8", cd)
		}
		checkSheets(t, f, "incident", "tasks", "orders", "team_needs", "item_needs", "score")
		if v, _ := f.GetCellValue("incident", "B2"); v != "钱塘江堤坝管涌" {
			t.Errorf("got title %q", v)
		}
		checkNumber(t, f, "incident", "D2") // level
		at := checkDate(t, f, "incident", "G2")
		local := review.ReportedAt.In(time.Local)
		if want := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC); !at.Equal(want) {
			t.Errorf("got reported_at %v, want %v", at, want)
		}
		checkDate(t, f, "tasks", "F2") // assigned_at
		if v, _ := f.GetCellValue("tasks", "G2"); v != "" {
			t.Errorf("got acked_at %q for a task not acknowledged, want an empty cell", v)
		}
		if v, _ := f.GetCellValue("score", "A5"); v != "delivered" {
			t.Errorf("got score A5 %q, want delivered", v)
		}
		checkNumber(t, f, "score", "B2")
		if w, _ := f.GetColWidth("incident", "B"); w < 16 {
			t.Errorf("got the title column %v wide, want it sized to the title", w)
		}
	}
	r := e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil, "Accept", "text/csv")
	rows := readCSV(t, r.body)
	if last := rows[len(rows)-1]; rows[0][0] != "section" || last[0] != "score" || last[1] != "overall" ||
		!strings.HasPrefix(last[len(last)-1], "measured=1 met=") {
		t.Fatalf("got CSV by Accept %q, want the score last", rows)
	}
	e.mustProblem(e.as("viewer", "GET", "/api/v1/incidents/"+id+"/review", nil, "Accept", "application/pdf"), 406)
}

// openWorkbook checks a workbook answer's type and file name and opens it.
func openWorkbook(t *testing.T, r response, fallback string) *excelize.File {
	t.Helper()
	if r.status != 200 || r.header.Get("Content-Type") != mimeXLSX {
		t.Fatalf("got %d %s, want a workbook: %.300s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+fallback) || !strings.Contains(cd, `.xlsx"`) {
		t.Errorf("got Content-Disposition %q, want an attachment named %s...xlsx", cd, fallback)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// checkSheets checks the sheets, and that each has its header row bold
// and frozen.
func checkSheets(t *testing.T, f *excelize.File, names ...string) {
	t.Helper()
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("got sheets %v, want %v", got, names)
	}
	for _, n := range names {
		idx, err := f.GetCellStyle(n, "A1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(idx)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("sheet %s: the header is not bold (%+v, %v)", n, st, err)
		}
		p, err := f.GetPanes(n)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("sheet %s: got panes %+v (%v), want the first row frozen", n, p, err)
		}
	}
}

// checkNumber checks that a cell holds a number, not text.
func checkNumber(t *testing.T, f *excelize.File, sheet, cell string) {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if _, perr := strconv.ParseFloat(raw, 64); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) || perr != nil {
		t.Errorf("%s!%s: got type %v value %q, want a number", sheet, cell, typ, raw)
	}
}

// checkDate checks that a cell holds a date (a serial number in a date
// format) and returns it.
func checkDate(t *testing.T, f *excelize.File, sheet, cell string) time.Time {
	t.Helper()
	checkNumber(t, f, sheet, cell)
	idx, _ := f.GetCellStyle(sheet, cell)
	st, err := f.GetStyle(idx)
	if err != nil || st.CustomNumFmt == nil || !strings.Contains(*st.CustomNumFmt, "yyyy-mm-dd") {
		t.Errorf("%s!%s: got style %+v, want a date format", sheet, cell, st)
	}
	raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	v, _ := strconv.ParseFloat(raw, 64)
	at, err := excelize.ExcelDateToTime(v, false)
	if err != nil {
		t.Errorf("%s!%s: %v", sheet, cell, err)
	}
	return at.Round(time.Second)
}

// gpxOrder is the order of the elements dispatchd writes, as the
// sequences of the GPX 1.1 schema (gpx.xsd: gpxType, metadataType,
// trkType, trksegType, wptType) give them; Garmin's TrackPointExtension
// v2 orders speed before course.
var gpxOrder = map[string][]string{
	"gpx":                 {"metadata", "wpt", "rte", "trk", "extensions"},
	"metadata":            {"name", "desc", "author", "copyright", "link", "time", "keywords", "bounds", "extensions"},
	"trk":                 {"name", "cmt", "desc", "src", "link", "number", "type", "extensions", "trkseg"},
	"trkseg":              {"trkpt", "extensions"},
	"trkpt":               {"ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link", "sym", "type", "fix", "sat", "hdop", "vdop", "pdop", "ageofdgpsdata", "dgpsid", "extensions"},
	"extensions":          {"TrackPointExtension"},
	"TrackPointExtension": {"atemp", "wtemp", "depth", "hr", "cad", "speed", "course", "Extensions"},
}

// TestTrackGPX reads a team's track as GPX 1.1, by format and by Accept:
// the namespace, the elements in the schema's order, the points oldest
// first with their times, the team's name on the track.
func TestTrackGPX(t *testing.T) {
	e := newEnv(t, "sqlite")
	now := time.Now().UTC().Truncate(time.Second)
	speed, alt := 4.5, 12.0
	ps := []realtime.Position{
		{Team: "t1", Lon: 120.12, Lat: 30.12, TS: now.Add(-30 * time.Minute)},
		{Team: "t1", Lon: 120.11, Lat: 30.11, TS: now.Add(-50 * time.Minute), Speed: &speed, Altitude: &alt},
	}
	if err := e.store.AppendPositions(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	for _, r := range []response{
		e.as("viewer", "GET", "/api/v1/teams/t1/track?format=gpx", nil),
		e.as("lead", "GET", "/api/v1/teams/t1/track", nil, "Accept", "application/gpx+xml"),
	} {
		if r.status != 200 || r.header.Get("Content-Type") != "application/gpx+xml" {
			t.Fatalf("got %d %s: %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		var doc struct {
			XMLName  xml.Name
			Version  string `xml:"version,attr"`
			Creator  string `xml:"creator,attr"`
			Metadata struct {
				Time time.Time `xml:"time"`
			} `xml:"metadata"`
			Trk struct {
				Name string `xml:"name"`
				Seg  struct {
					Pt []struct {
						Lat  float64   `xml:"lat,attr"`
						Lon  float64   `xml:"lon,attr"`
						Ele  *float64  `xml:"ele"`
						Time time.Time `xml:"time"`
					} `xml:"trkpt"`
				} `xml:"trkseg"`
			} `xml:"trk"`
		}
		if err := xml.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("decode the GPX: %v\n%s", err, r.body)
		}
		pts := doc.Trk.Seg.Pt
		if doc.XMLName.Space != "http://www.topografix.com/GPX/1/1" || doc.XMLName.Local != "gpx" || doc.Version != "1.1" || doc.Creator == "" {
			t.Fatalf("got root %v version %q creator %q", doc.XMLName, doc.Version, doc.Creator)
		}
		if time.Since(doc.Metadata.Time) > time.Minute || doc.Trk.Name == "" || len(pts) != 2 {
			t.Fatalf("got metadata time %v, track %q with %d points", doc.Metadata.Time, doc.Trk.Name, len(pts))
		}
		if pts[0].Lon != 120.11 || pts[0].Lat != 30.11 || !pts[0].Time.Equal(now.Add(-50*time.Minute)) || pts[0].Ele == nil || *pts[0].Ele != 12 ||
			!pts[1].Time.Equal(now.Add(-30*time.Minute)) || pts[1].Ele != nil {
			t.Fatalf("got points %+v, want the fixes oldest first with their times", pts)
		}
		checkGPXOrder(t, r.body)
	}
	e.mustProblem(e.as("viewer", "GET", "/api/v1/teams/t1/track?format=kml", nil), 400, "format")
	e.mustProblem(e.as("viewer", "GET", "/api/v1/teams/t1/track", nil, "Accept", "application/vnd.google-earth.kml+xml"), 406)
}

// checkGPXOrder walks a GPX file and checks that the children of each
// element the schema orders come in its order, in the GPX namespace or,
// within extensions, Garmin's.
func checkGPXOrder(t *testing.T, body []byte) {
	t.Helper()
	type open struct {
		name string
		last int
	}
	var stack []open
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			inExt := false
			for _, o := range stack {
				inExt = inExt || o.name == "extensions"
			}
			if ns := el.Name.Space; (!inExt && ns != "http://www.topografix.com/GPX/1/1") ||
				(inExt && ns != "http://www.garmin.com/xmlschemas/TrackPointExtension/v2") {
				t.Errorf("element %s in namespace %q", el.Name.Local, ns)
			}
			if n := len(stack); n > 0 {
				parent := &stack[n-1]
				order, known := gpxOrder[parent.name]
				i := -1
				for j, name := range order {
					if name == el.Name.Local {
						i = j
					}
				}
				switch {
				case !known:
					t.Errorf("element %s inside %s, which holds no elements", el.Name.Local, parent.name)
				case i < 0:
					t.Errorf("element %s is not in %s's sequence", el.Name.Local, parent.name)
				case i < parent.last:
					t.Errorf("element %s after %s in %s: out of the schema's order", el.Name.Local, order[parent.last], parent.name)
				default:
					parent.last = i
				}
			}
			stack = append(stack, open{name: el.Name.Local})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}
