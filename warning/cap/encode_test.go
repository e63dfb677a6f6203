package cap

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.xml")

// full is an alert with every element set, in no particular order of
// assignment: Encode must put them in the schema's order.
func full() *Alert {
	cst := time.FixedZone("", 8*3600)
	size := int64(1024)
	alt, ceil := 10.0, 2000.25
	return &Alert{
		Incidents:   "flood-1 flood-2",
		Identifier:  "33000041600000_20260701113000_0",
		Sender:      "33000041600000",
		Sent:        time.Date(2026, 7, 1, 11, 30, 0, 0, cst),
		Status:      "Actual",
		MsgType:     "Update",
		Source:      "浙江省气象台",
		Scope:       "Restricted",
		Restriction: "duty officers",
		Addresses:   `"County EOC" dispatch`,
		Code:        []string{"12379"},
		Note:        "upgraded",
		References: []Reference{{Sender: "33000041600000", Identifier: "33000041600000_20260701083000_0",
			Sent: time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)}},
		Info: []Info{{
			Area: []Area{{
				Ceiling:  &ceil,
				Altitude: &alt,
				Geocode:  []ValueName{{RegionCodeName, "330127"}},
				Circle:   []Circle{{Center: Point{29.6, 119.04}, Radius: 25}},
				Polygon:  []Polygon{{{29.3, 118.3}, {30, 118.3}, {30, 119.9}, {29.3, 118.3}}},
				AreaDesc: "淳安县",
			}},
			Resource: []Resource{{Digest: "abc", DerefURI: "aGVsbG8=", URI: "https://example.cn/m.png",
				Size: &size, MimeType: "image/png", ResourceDesc: "map"}},
			Parameter:    []ValueName{{LevelParameter, Red}},
			Contact:      "0571-12121",
			Web:          "http://www.12379.cn/",
			Instruction:  "停止户外作业 & 转移",
			Description:  "<50 mm>",
			Headline:     "暴雨红色预警",
			SenderName:   "浙江省气象台",
			Expires:      time.Date(2026, 7, 2, 11, 30, 0, 0, cst),
			Onset:        time.Date(2026, 7, 1, 12, 0, 0, 0, cst),
			Effective:    time.Date(2026, 7, 1, 11, 30, 0, 0, cst),
			EventCode:    []ValueName{{"GB/T 35965 type", "11B03"}},
			Audience:     "public",
			Certainty:    "Observed",
			Severity:     "Extreme",
			Urgency:      "Immediate",
			ResponseType: []string{"Prepare", "Avoid"},
			Event:        "暴雨",
			Category:     []string{"Met", "Geo"},
			Language:     "zh-CN",
		}},
	}
}

func TestEncodeGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, full()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("testdata/golden.xml", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/golden.xml")
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("got\n%s\nwant\n%s", buf.Bytes(), want)
	}
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<alert xmlns="`+Namespace+`">`) {
		t.Errorf("no declaration or namespace:\n%s", buf.Bytes())
	}
	checkOrder(t, buf.Bytes())
	roundTrip(t, full())
}
