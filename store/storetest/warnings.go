package storetest

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning"
	"dispatchd/warning/cap"
)

// capRainstorm is a CAP 1.2 alert as a weather service sends it: an
// English info block first, the Chinese one second, for 淳安县 and 桐庐县.
const capRainstorm = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>33000041600000_20260701083000_0</identifier>
  <sender>33000041600000</sender>
  <sent>2026-07-01T08:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Rainstorm</event>
    <urgency>Expected</urgency>
    <severity>Minor</severity>
    <certainty>Likely</certainty>
    <area><areaDesc>Hangzhou</areaDesc><geocode><valueName>GB/T 2260</valueName><value>330100</value></geocode></area>
  </info>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>GB/T 35965 type</valueName><value>11B03</value></eventCode>
    <expires>2026-07-02T08:30:00+08:00</expires>
    <headline>浙江省气象台发布暴雨橙色预警</headline>
    <instruction>切断有危险的室外电源，暂停户外作业。</instruction>
    <parameter><valueName>GB/T 35965 level</valueName><value>orange</value></parameter>
    <area>
      <areaDesc>杭州市桐庐县、淳安县</areaDesc>
      <polygon>29.35,118.35 30.05,118.35 30.05,119.95 29.35,119.95 29.35,118.35</polygon>
      <geocode><valueName>GB/T 2260</valueName><value>330122</value></geocode>
      <geocode><valueName>GB/T 2260</valueName><value>330127</value></geocode>
    </area>
  </info>
</alert>
`

func encodeCAP(t *testing.T, a *cap.Alert) []byte {
	t.Helper()
	var buf bytes.Buffer
	noErr(t, cap.Encode(&buf, a))
	return buf.Bytes()
}

// testWarningCAP issues a CAP alert and reads it back as CAP, as it came
// in; and a JSON warning reads back as CAP too.
func testWarningCAP(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	in := ok(cap.Decode(strings.NewReader(capRainstorm))).get(t)
	w := ok(e.svc.IssueCAP(c, provinceCmd, in)).get(t)
	if w.Level != cap.Orange || w.Type != "11B03" || w.Event != "暴雨" || !slices.Equal(w.Regions, []string{"330122", "330127"}) {
		t.Fatalf("got level %q type %q event %q regions %v, want the Chinese block's", w.Level, w.Type, w.Event, w.Regions)
	}
	if len(w.Areas) != 1 || len(w.Areas[0].Polygons) != 1 || w.Areas[0].Polygons[0][0] != [2]float64{118.35, 29.35} {
		t.Fatalf("got areas %+v, want the polygon as [lon, lat]", w.Areas)
	}
	if got := w.AnswerWithinS; got != 600 {
		t.Fatalf("got answer within %ds, want orange's 600", got)
	}
	got := ok(e.svc.Warning(c, provinceCmd, w.ID)).get(t)
	out := encodeCAP(t, warning.CAP(got))
	back := ok(cap.Decode(bytes.NewReader(out))).get(t)
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("CAP read back as\n%s\nwant the alert issued", out)
	}
	if !bytes.Equal(out, encodeCAP(t, in)) {
		t.Fatalf("CAP read back as\n%s\nwant\n%s", out, encodeCAP(t, in))
	}
	if got.Expires == nil || !got.Expires.Equal(time.Date(2026, 7, 2, 0, 30, 0, 0, time.UTC)) {
		t.Fatalf("got expires %v, want the Chinese block's", got.Expires)
	}

	j := ok(e.svc.Issue(c, countyCmd, rainstorm("330127"))).get(t)
	a := warning.CAP(ok(e.svc.Warning(c, countyCmd, j.ID)).get(t))
	if a == nil {
		t.Fatal("a JSON warning has no CAP alert")
	}
	again := ok(cap.Decode(bytes.NewReader(encodeCAP(t, a)))).get(t)
	if !reflect.DeepEqual(again, a) {
		t.Fatalf("decode(encode) of a JSON warning's alert changed it:\n got %+v\nwant %+v", again, a)
	}
	if a.Sender != countyCmd.Username || a.Identifier != j.Identifier || a.Info[0].Level() != cap.Orange || a.Info[0].Severity != "Severe" {
		t.Fatalf("got alert %+v, want the actor's, the identifier and the level", a)
	}
	if regs := ok(a.Regions()).get(t); !slices.Equal(regs, []string{"330127"}) {
		t.Fatalf("got geocodes %v, want 330127", regs)
	}
}

// testWarningIssue issues a JSON warning: the recipients of the regions'
// subtrees and duties, one message per channel, one event, a duplicate
// refused.
func testWarningIssue(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	w := ok(e.svc.Issue(c, cityCmd, rainstorm("330127"))).get(t)
	if w.Identifier == "" || w.Sender != cityCmd.Username || w.State != warning.Active || w.IssuedBy != cityCmd.Username {
		t.Fatalf("got %+v, want a generated identifier, the actor as sender, active", w)
	}
	rs := e.recipients(t, w.ID)
	if got, want := e.who(rs), []string{"county", "point", "town", "village"}; !slices.Equal(got, want) {
		t.Fatalf("got recipients %v, want %v", got, want)
	}
	for _, r := range rs {
		if r.State != warning.Queued || !r.Deadline.Equal(warnStart.Add(10*time.Minute)) || r.Kind != warning.KindWarning {
			t.Fatalf("got %+v, want queued with the orange deadline", r)
		}
		if r.Person == e.p["county"].ID && (r.Phone != "13900000003" || r.Superior != e.p["city"].ID) {
			t.Fatalf("got phone %q superior %q, want the phone normalised and the superior copied", r.Phone, r.Superior)
		}
	}
	is := e.spy.lastIssue()
	if len(is.Messages) != 2*len(rs) {
		t.Fatalf("got %d messages, want one per recipient and channel (%d)", len(is.Messages), 2*len(rs))
	}
	m := is.Messages[0]
	if m.State != notify.Pending || m.Kind != notify.KindWarning || !strings.Contains(m.Body, notify.Link) ||
		!strings.Contains(m.Body, "暴雨橙色预警") || !strings.Contains(m.Body, "回复1") || !m.LinkExpires.Equal(warnStart.Add(24*time.Hour)) {
		t.Fatalf("got message %+v, want a pending warning with the level, headline, link and reply", m)
	}
	if n := len([]rune(m.Body)); n > 140 {
		t.Fatalf("got a body of %d characters, want the instruction cut short: %s", n, m.Body)
	}
	issued := eventsOf(t, s, "warning.issued")
	if len(issued) != 1 || issued[0].Subject != w.ID || !slices.Equal(issued[0].Regions, []string{"330127"}) {
		t.Fatalf("got issued events %+v, want one scoped to 330127", issued)
	}

	dup := rainstorm("330127")
	dup.Identifier = w.Identifier
	_, err := e.svc.Issue(c, cityCmd, dup)
	wantCode(t, err, dispatchd.ECONFLICT)
	// The store refuses it too, whatever the service checked.
	again := *w
	again.ID = dispatchd.NewID()
	wantCode(t, s.IssueWarning(c, &warning.Issue{Warning: &again}), dispatchd.ECONFLICT)

	tests := []struct {
		name   string
		w      func() warning.Warning
		actor  dispatchd.Actor
		want   []string
		within time.Duration
	}{
		{"a township's subtree", func() warning.Warning { return rainstorm("330127101") }, countyCmd, []string{"point", "town", "village"}, 10 * time.Minute},
		{"regions beside the fields", func() warning.Warning {
			return warning.Warning{Level: "orange", Event: "暴雨", Regions: []string{"330127101"}}
		}, countyCmd, []string{"point", "town", "village"}, 10 * time.Minute},
		{"hazard points only", func() warning.Warning {
			w := rainstorm("330127")
			w.Duties = []warning.Duty{warning.DutyHazardPoint}
			return w
		}, countyCmd, []string{"point"}, 10 * time.Minute},
		{"two counties, red, a deadline named", func() warning.Warning {
			w := rainstorm("330127101", "330122")
			w.Level, w.AnswerWithinS = "red", 120
			return w
		}, cityCmd, []string{"county2", "point", "town", "village"}, 2 * time.Minute},
		{"the city and a county in it, each once", func() warning.Warning { return rainstorm("330100", "330127") }, cityCmd,
			[]string{"city", "county", "county2", "other", "point", "town", "village"}, 10 * time.Minute},
		{"a polygon alone", func() warning.Warning {
			return warning.Warning{Level: "blue", Event: "山洪", Areas: []warning.Area{{Polygons: [][][2]float64{ring(118.8, 29.1, 119.2, 29.2)}}}}
		}, cityCmd, []string{"county", "county2", "point", "town", "village"}, time.Hour},
		{"a polygon over the border keeps the jurisdiction", func() warning.Warning {
			return warning.Warning{Level: "yellow", Event: "山洪", Areas: []warning.Area{{Polygons: [][][2]float64{ring(118.8, 29.1, 119.2, 29.2)}}}}
		}, countyCmd, []string{"county", "point", "town", "village"}, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ok(e.svc.Issue(c, tt.actor, tt.w())).get(t)
			rs := e.recipients(t, w.ID)
			if got := e.who(rs); !slices.Equal(got, tt.want) {
				t.Fatalf("got recipients %v, want %v", got, tt.want)
			}
			if !rs[0].Deadline.Equal(warnStart.Add(tt.within)) {
				t.Fatalf("got deadline %v, want %v after issue", rs[0].Deadline, tt.within)
			}
		})
	}
}

// testWarningRefused checks the field errors of issuing.
func testWarningRefused(t *testing.T, s Store) {
	c := ctx(t)
	e := newWarnEnv(t, s)
	tests := []struct {
		name  string
		actor dispatchd.Actor
		w     warning.Warning
		field string
	}{
		{"outside the jurisdiction", countyCmd, rainstorm("330106"), "areas[0].regions[0]"},
		{"no level", countyCmd, func() warning.Warning { w := rainstorm("330127"); w.Level = "purple"; return w }(), "level"},
		{"no event", countyCmd, func() warning.Warning { w := rainstorm("330127"); w.Event = ""; return w }(), "event"},
		{"no area", countyCmd, warning.Warning{Level: "red", Event: "暴雨"}, "areas"},
		{"a bad region", countyCmd, rainstorm("33012"), "areas[0].regions[0]"},
		{"an open polygon", countyCmd, warning.Warning{Level: "red", Event: "暴雨",
			Areas: []warning.Area{{Polygons: [][][2]float64{{{118, 29}, {118.5, 29}, {118.5, 29.5}}}}}}, "areas[0].polygons[0]"},
		{"a polygon outside the jurisdiction", countyCmd, warning.Warning{Level: "red", Event: "暴雨",
			Areas: []warning.Area{{Polygons: [][][2]float64{ring(121.1, 29.1, 121.2, 29.2)}}}}, "areas[0].polygons"},
		{"nobody there", cityCmd, rainstorm("330127102"), "areas"},
		{"a bad duty", countyCmd, func() warning.Warning {
			w := rainstorm("330127")
			w.Duties = []warning.Duty{"mayor"}
			return w
		}(), "duties[0]"},
		{"expired", countyCmd, func() warning.Warning {
			w := rainstorm("330127")
			past := warnStart.Add(-time.Minute)
			w.Expires = &past
			return w
		}(), "expires"},
		{"an update without references", countyCmd, func() warning.Warning {
			w := rainstorm("330127")
			w.MsgType = "Update"
			return w
		}(), "references"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Issue(c, tt.actor, tt.w)
			wantField(t, err, tt.field)
		})
	}

	t.Run("unknown region", func(t *testing.T) {
		svc := warning.NewService(s)
		svc.SetRegions(func(_ context.Context, code string) (bool, error) { return code != "330127", nil })
		_, err := svc.Issue(c, countyCmd, rainstorm("330127"))
		wantField(t, err, "areas[0].regions[0]")
	})
	t.Run("a polygon without boundaries", func(t *testing.T) {
		svc := warning.NewService(s)
		w := warning.Warning{Level: "red", Event: "暴雨", Areas: []warning.Area{{Polygons: [][][2]float64{ring(118.1, 29.1, 118.2, 29.2)}}}}
		_, err := svc.Issue(c, countyCmd, w)
		wantField(t, err, "areas[0].polygons")
		svc.SetCover(func(_ context.Context, _ [][2]float64) ([]string, bool, error) { return nil, false, nil })
		_, err = svc.Issue(c, countyCmd, w)
		wantField(t, err, "areas[0].polygons")
	})
	t.Run("CAP refused", func(t *testing.T) {
		area := capRainstorm[strings.Index(capRainstorm, "<area>\n      <areaDesc>杭州市"):strings.Index(capRainstorm, "</area>\n  </info>\n</alert>")]
		level := "<parameter><valueName>GB/T 35965 level</valueName><value>orange</value></parameter>"
		for _, tt := range []struct{ name, from, to, field string }{
			{"an Ack", "<msgType>Alert</msgType>", "<msgType>Ack</msgType><references>a,b,2026-07-01T08:00:00+08:00</references>", "msgType"},
			{"a draft", "<status>Actual</status>", "<status>Draft</status>", "status"},
			{"no level", "<severity>Severe</severity>\n    <certainty>Likely</certainty>\n    <eventCode>", "<severity>Unknown</severity>\n    <certainty>Likely</certainty>\n    <eventCode>", "info[1].severity"},
			{"a circle alone", area, "<area><areaDesc>淳安县</areaDesc><circle>29.6,119.04 25</circle>", "info[1].area[0]"},
			{"no area", area + "</area>", "", "info[1].area"},
			{"expired", "<expires>2026-07-02T08:30:00+08:00</expires>", "<expires>2026-07-01T08:00:00+08:00</expires>", "info[1].expires"},
		} {
			doc := strings.Replace(capRainstorm, tt.from, tt.to, 1)
			doc = strings.Replace(doc, map[bool]string{true: level}[tt.name == "no level"], "", 1)
			in, err := cap.Decode(strings.NewReader(doc))
			if err != nil {
				t.Fatalf("%s: %v %v", tt.name, err, dispatchd.ErrorFields(err))
			}
			_, err = e.svc.IssueCAP(c, cityCmd, in)
			wantField(t, err, tt.field)
		}
	})
	t.Run("a CAP alert that reaches nobody", func(t *testing.T) {
		// Chinese only, its info block first, for two counties with no
		// responsible person.
		en := capRainstorm[strings.Index(capRainstorm, "<info>") : strings.Index(capRainstorm, "</info>")+len("</info>")]
		doc := strings.Replace(capRainstorm, en, "", 1)
		doc = strings.Replace(strings.Replace(doc, "330122", "330182", 1), "330127", "330185", 1)
		in := ok(cap.Decode(strings.NewReader(doc))).get(t)
		_, err := e.svc.IssueCAP(c, provinceCmd, in)
		wantField(t, err, "info[0].area")
	})
	t.Run("a CAP area outside the jurisdiction", func(t *testing.T) {
		in := ok(cap.Decode(strings.NewReader(capRainstorm))).get(t)
		_, err := e.svc.IssueCAP(c, countyCmd, in)
		wantField(t, err, "info[1].area[0].geocode")
	})
	if got := eventsOf(t, s, "warning.issued"); len(got) != 0 {
		t.Fatalf("got %d issued events, want none", len(got))
	}
}
