package cap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"dispatchd"
)

func decodeFile(t *testing.T, name string) *Alert {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v %v", name, err, dispatchd.ErrorFields(err))
	}
	return a
}

// roundTrip encodes a, decodes the result and checks it is a again.
func roundTrip(t *testing.T, a *Alert) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, a); err != nil {
		t.Fatal(err)
	}
	b, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("decode of encoded: %v %v\n%s", err, dispatchd.ErrorFields(err), buf.Bytes())
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the alert:\n got %+v\nwant %+v", b, a)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"rainstorm.xml", "update.xml", "cancel.xml", "flood.xml"} {
		t.Run(name, func(t *testing.T) {
			a := decodeFile(t, name)
			out := roundTrip(t, a)
			checkOrder(t, out)
		})
	}
}

func TestDecodeRainstorm(t *testing.T) {
	a := decodeFile(t, "rainstorm.xml")
	cst := time.FixedZone("", 8*3600)
	if want := time.Date(2026, 7, 1, 8, 30, 0, 0, cst); !a.Sent.Equal(want) {
		t.Errorf("sent: got %v, want %v", a.Sent, want)
	}
	if got := FormatTime(a.Sent); got != "2026-07-01T08:30:00+08:00" {
		t.Errorf("sent written: got %s, want the original offset", got)
	}
	in := a.Info[0]
	if in.Level() != Orange {
		t.Errorf("level: got %q, want orange", in.Level())
	}
	if len(in.Area[0].Polygon[0]) != 5 || in.Area[0].Polygon[0][1] != (Point{Lat: 30.05, Lon: 118.35}) {
		t.Errorf("polygon: got %v", in.Area[0].Polygon[0])
	}
	if !strings.Contains(in.Instruction, "；\n2.") {
		t.Errorf("instruction lost its line break: %q", in.Instruction)
	}
	regions, err := a.Regions()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"330122", "330127", "330182"}; !slices.Equal(regions, want) {
		t.Errorf("regions: got %v, want %v", regions, want)
	}
}

func TestDecodeUpdateColourSeverity(t *testing.T) {
	a := decodeFile(t, "update.xml")
	in := a.Info[0]
	if in.Severity != "Extreme" || in.Level() != Red {
		t.Errorf("severity Red: got severity %q level %q, want Extreme red", in.Severity, in.Level())
	}
	if want := []ValueName{{LevelParameter, Red}}; !reflect.DeepEqual(in.Parameter, want) {
		t.Errorf("parameters: got %v, want %v", in.Parameter, want)
	}
	want := Reference{Sender: "33000041600000", Identifier: "33000041600000_20260701083000_0",
		Sent: time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)}
	if len(a.References) != 1 || a.References[0].Identifier != want.Identifier || !a.References[0].Sent.Equal(want.Sent) {
		t.Errorf("references: got %v, want %v", a.References, want)
	}
	if c := in.Area[0].Circle[0]; c != (Circle{Center: Point{29.6, 119.04}, Radius: 25}) {
		t.Errorf("circle: got %v", c)
	}
}

func TestDecodeFlood(t *testing.T) {
	a := decodeFile(t, "flood.xml")
	in := a.Info[0]
	if in.Expires.Location() != time.UTC || !in.Expires.Equal(time.Date(2026, 5, 14, 19, 15, 0, 0, time.UTC)) {
		t.Errorf("expires written with Z: got %v", in.Expires)
	}
	if in.Description != "Dam failure upstream & rising water <fast>." {
		t.Errorf("description: got %q", in.Description)
	}
	if r := in.Resource[0]; r.Size == nil || *r.Size != 48213 {
		t.Errorf("resource size: got %v", r.Size)
	}
	ar := in.Area[0]
	if ar.Altitude == nil || *ar.Altitude != 0 || ar.Ceiling == nil || *ar.Ceiling != 1500.5 {
		t.Errorf("altitude, ceiling: got %v, %v", ar.Altitude, ar.Ceiling)
	}
	if in.Level() != Red {
		t.Errorf("level of Extreme: got %q, want red", in.Level())
	}
	var buf bytes.Buffer
	if err := Encode(&buf, a); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<expires>2026-05-14T19:15:00+00:00</expires>") {
		t.Errorf("Z is written as +00:00: got\n%s", buf.String())
	}
}

func TestRegionsRefused(t *testing.T) {
	a := &Alert{Info: []Info{{Area: []Area{{}, {Geocode: []ValueName{
		{RegionCodeName, "330127"}, {"SAME", "040143"}, {RegionCodeName, "33012"},
	}}}}}}
	_, err := a.Regions()
	fields := dispatchd.ErrorFields(err)
	if len(fields) != 1 || fields[0].Field != "info[0].area[1].geocode[2].value" {
		t.Fatalf("got %v, want one error at info[0].area[1].geocode[2].value", fields)
	}
}

func TestLevels(t *testing.T) {
	pairs := map[string]string{Red: "Extreme", Orange: "Severe", Yellow: "Moderate", Blue: "Minor"}
	for l, s := range pairs {
		if got := SeverityOf(l); got != s {
			t.Errorf("SeverityOf(%s): got %s, want %s", l, got, s)
		}
		if got := LevelOfSeverity(s); got != l {
			t.Errorf("LevelOfSeverity(%s): got %s, want %s", s, got, l)
		}
	}
	if LevelOfSeverity("Unknown") != "" || SeverityOf("purple") != "" {
		t.Error("Unknown and purple have no level")
	}
	in := Info{Severity: "Minor", Parameter: []ValueName{{"x", "y"}, {LevelParameter, Blue}}}
	in.SetLevel(Yellow)
	want := []ValueName{{"x", "y"}, {LevelParameter, Yellow}}
	if in.Severity != "Moderate" || !reflect.DeepEqual(in.Parameter, want) || in.Level() != Yellow {
		t.Errorf("SetLevel(yellow): got %q %v", in.Severity, in.Parameter)
	}
}

// base is a valid alert; each refusal case breaks one rule of it.
const base = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>A-1</identifier>
  <sender>bureau@example.cn</sender>
  <sent>2026-07-01T08:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>2026-07-02T08:30:00+08:00</expires>
    <area>
      <areaDesc>淳安县</areaDesc>
      <polygon>29.3,118.3 30.0,118.3 30.0,119.9 29.3,118.3</polygon>
      <circle>29.6,119.04 25</circle>
    </area>
  </info>
</alert>`

func TestDecodeBase(t *testing.T) {
	a, err := Decode(strings.NewReader(base))
	if err != nil {
		t.Fatalf("%v %v", err, dispatchd.ErrorFields(err))
	}
	roundTrip(t, a)
}

func TestDecodeRefused(t *testing.T) {
	tests := []struct {
		name, old, new, field string
	}{
		{"no identifier", "<identifier>A-1</identifier>", "", "identifier"},
		{"identifier with a space", "<identifier>A-1</identifier>", "<identifier>A 1</identifier>", "identifier"},
		{"sender with a comma", "bureau@example.cn", "a,b", "sender"},
		{"no sent", "<sent>2026-07-01T08:30:00+08:00</sent>", "", "sent"},
		{"sent without offset", "2026-07-01T08:30:00+08:00</sent>", "2026-07-01T08:30:00</sent>", "sent"},
		{"sent zero", "2026-07-01T08:30:00+08:00</sent>", "0001-01-01T00:00:00+00:00</sent>", "sent"},
		{"sent with fraction", "2026-07-01T08:30:00+08:00</sent>", "2026-07-01T08:30:00.5+08:00</sent>", "sent"},
		{"sent impossible", "2026-07-01T08:30:00+08:00</sent>", "2026-02-30T08:30:00+08:00</sent>", "sent"},
		{"status", "<status>Actual</status>", "<status>Real</status>", "status"},
		{"no status", "<status>Actual</status>", "", "status"},
		{"msgType", "<msgType>Alert</msgType>", "<msgType>Warning</msgType>", "msgType"},
		{"scope", "<scope>Public</scope>", "<scope>Everyone</scope>", "scope"},
		{"restricted without restriction", "<scope>Public</scope>", "<scope>Restricted</scope>", "restriction"},
		{"private without addresses", "<scope>Public</scope>", "<scope>Private</scope>", "addresses"},
		{"update without references", "<msgType>Alert</msgType>", "<msgType>Update</msgType>", "references"},
		{"cancel without references", "<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", "references"},
		{"ack without references", "<msgType>Alert</msgType>", "<msgType>Ack</msgType>", "references"},
		{"error without references", "<msgType>Alert</msgType>", "<msgType>Error</msgType>", "references"},
		{"bad reference", "<scope>Public</scope>", "<scope>Public</scope><references>a,b</references>", "references[0]"},
		{"bad reference time", "<scope>Public</scope>", "<scope>Public</scope><references>a,b,yesterday</references>", "references[0]"},
		{"empty code", "<scope>Public</scope>", "<scope>Public</scope><code> </code>", "code[0]"},
		{"no category", "<category>Met</category>", "", "info[0].category"},
		{"category", "<category>Met</category>", "<category>Met</category><category>Weather</category>", "info[0].category[1]"},
		{"no event", "<event>暴雨</event>", "<event> </event>", "info[0].event"},
		{"responseType", "<urgency>", "<responseType>Run</responseType><urgency>", "info[0].responseType[0]"},
		{"urgency", "<urgency>Expected</urgency>", "<urgency>Soon</urgency>", "info[0].urgency"},
		{"severity", "<severity>Severe</severity>", "<severity>Bad</severity>", "info[0].severity"},
		{"no severity", "<severity>Severe</severity>", "", "info[0].severity"},
		{"certainty", "<certainty>Likely</certainty>", "<certainty>Sure</certainty>", "info[0].certainty"},
		{"expires", "2026-07-02T08:30:00+08:00", "tomorrow", "info[0].expires"},
		{"eventCode without name", "<expires>", "<eventCode><value>x</value></eventCode><expires>", "info[0].eventCode[0].valueName"},
		{"level parameter", "<area>", "<parameter><valueName>GB/T 35965 level</valueName><value>purple</value></parameter><area>", "info[0].parameter[0].value"},
		{"level against severity", "<area>", "<parameter><valueName>GB/T 35965 level</valueName><value>red</value></parameter><area>", "info[0].parameter[0].value"},
		{"resource without mimeType", "<area>", "<resource><resourceDesc>map</resourceDesc></resource><area>", "info[0].resource[0].mimeType"},
		{"resource size", "<area>", "<resource><resourceDesc>map</resourceDesc><mimeType>image/png</mimeType><size>big</size></resource><area>", "info[0].resource[0].size"},
		{"no areaDesc", "<areaDesc>淳安县</areaDesc>", "", "info[0].area[0].areaDesc"},
		{"polygon of three points", "29.3,118.3 30.0,118.3 30.0,119.9 29.3,118.3", "29.3,118.3 30.0,118.3 29.3,118.3", "info[0].area[0].polygon[0]"},
		{"polygon not closed", "30.0,119.9 29.3,118.3", "30.0,119.9 29.4,118.3", "info[0].area[0].polygon[0]"},
		{"polygon latitude", "30.0,119.9 29.3,118.3", "91,119.9 29.3,118.3", "info[0].area[0].polygon[0]"},
		{"polygon longitude", "30.0,119.9 29.3,118.3", "30,180.5 29.3,118.3", "info[0].area[0].polygon[0]"},
		{"polygon NaN", "30.0,119.9 29.3,118.3", "NaN,119.9 29.3,118.3", "info[0].area[0].polygon[0]"},
		{"polygon exponent", "30.0,119.9 29.3,118.3", "3e1,119.9 29.3,118.3", "info[0].area[0].polygon[0]"},
		{"polygon lon,lat", "30.0,119.9 29.3,118.3", "30.0 119.9 29.3,118.3", "info[0].area[0].polygon[0]"},
		{"circle without radius", "29.6,119.04 25", "29.6,119.04", "info[0].area[0].circle[0]"},
		{"circle negative radius", "29.6,119.04 25", "29.6,119.04 -1", "info[0].area[0].circle[0]"},
		{"circle out of range", "29.6,119.04 25", "29.6,190 1", "info[0].area[0].circle[0]"},
		{"geocode without name", "</area>", "<geocode><value>330127</value></geocode></area>", "info[0].area[0].geocode[0].valueName"},
		{"altitude", "</area>", "<altitude>high</altitude></area>", "info[0].area[0].altitude"},
		{"ceiling without altitude", "</area>", "<ceiling>100</ceiling></area>", "info[0].area[0].ceiling"},
		{"ceiling below altitude", "</area>", "<altitude>100</altitude><ceiling>50</ceiling></area>", "info[0].area[0].ceiling"},
		{"second info", "</info>", "</info><info><category>Met</category></info>", "info[1].event"},
		{"two senders", "<sent>", "<sender>x</sender><sent>", "sender"},
		{"two expires", "<area>", "<expires>2026-07-02T08:30:00+08:00</expires><area>", "info[0].expires"},
		{"two areaDescs", "<polygon>", "<areaDesc>x</areaDesc><polygon>", "info[0].area[0].areaDesc"},
		{"two values", "</area>", "<geocode><valueName>a</valueName><value>1</value><value>2</value></geocode></area>", "info[0].area[0].geocode[0].value"},
		{"CAP 1.1", "cap:1.2", "cap:1.1", ""},
		{"no namespace", ` xmlns="urn:oasis:names:tc:emergency:cap:1.2"`, "", ""},
		{"other root", "<alert xmlns", "<alarm xmlns", ""},
		{"DOCTYPE", "<alert", `<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert`, ""},
		{"undeclared entity", "<scope>Public</scope>", "<scope>Public</scope><note>&xxe;</note>", ""},
		{"not XML", "<alert", "alert", ""},
		{"not well-formed", "</alert>", "</alarm>", ""},
		{"other encoding", "UTF-8", "GBK", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(base, tt.old, tt.new, 1)
			if doc == base {
				t.Fatalf("%q is not in the base document", tt.old)
			}
			_, err := Decode(strings.NewReader(doc))
			if code := dispatchd.ErrorCode(err); code != dispatchd.EINVALID {
				t.Fatalf("got %v (%s), want %s", err, code, dispatchd.EINVALID)
			}
			fields := dispatchd.ErrorFields(err)
			if tt.field == "" {
				if len(fields) != 0 {
					t.Errorf("got fields %v for a problem of the whole document", fields)
				}
				return
			}
			if !slices.ContainsFunc(fields, func(f dispatchd.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("got fields %v, want one at %q", fields, tt.field)
			}
		})
	}
}

func TestDecodeDOCTYPE(t *testing.T) {
	for _, doctype := range []string{
		`<!DOCTYPE alert SYSTEM "http://example.com/cap.dtd">`,
		`<!DOCTYPE alert [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>`,
	} {
		doc := strings.Replace(base, "<alert", doctype+"\n<alert", 1)
		_, err := Decode(strings.NewReader(doc))
		if !strings.Contains(dispatchd.ErrorMessage(err), "DOCTYPE") {
			t.Errorf("%s: got %v, want a refusal of the DOCTYPE", doctype, err)
		}
	}
}

func TestDecodeTooLarge(t *testing.T) {
	doc := strings.Replace(base, "<scope>Public</scope>", "<scope>Public</scope><note>"+strings.Repeat("x", MaxSize)+"</note>", 1)
	_, err := Decode(strings.NewReader(doc))
	if code := dispatchd.ErrorCode(err); code != dispatchd.ETOOLARGE {
		t.Fatalf("got %v, want %s", err, dispatchd.ETOOLARGE)
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Decode(io.MultiReader(strings.NewReader("<alert"), &failReader{boom}))
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the read error", err)
	}
}

type failReader struct{ err error }

func (r *failReader) Read([]byte) (int, error) { return 0, r.err }

// sequences are the schema's sequences of the elements Encode writes.
var sequences = map[string][]string{
	"alert": {"identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction",
		"addresses", "code", "note", "references", "incidents", "info"},
	"info": {"language", "category", "event", "responseType", "urgency", "severity", "certainty",
		"audience", "eventCode", "effective", "onset", "expires", "senderName", "headline",
		"description", "instruction", "web", "contact", "parameter", "resource", "area"},
	"eventCode": {"valueName", "value"},
	"parameter": {"valueName", "value"},
	"geocode":   {"valueName", "value"},
	"resource":  {"resourceDesc", "mimeType", "size", "uri", "derefUri", "digest"},
	"area":      {"areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"},
}

// checkOrder checks that every element of doc is in the CAP namespace and
// that the children of each are in the order of its schema sequence.
func checkOrder(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		name string
		last int
	}
	var stack []frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Space != Namespace {
				t.Errorf("%s is in namespace %q", e.Name.Local, e.Name.Space)
			}
			if n := len(stack); n > 0 {
				seq, ok := sequences[stack[n-1].name]
				i := slices.Index(seq, e.Name.Local)
				if !ok || i < 0 {
					t.Errorf("%s may not hold %s", stack[n-1].name, e.Name.Local)
				} else if i < stack[n-1].last {
					t.Errorf("%s: %s is out of the schema's order", stack[n-1].name, e.Name.Local)
				} else {
					stack[n-1].last = i
				}
			} else if e.Name.Local != "alert" {
				t.Errorf("root %s, want alert", e.Name.Local)
			}
			stack = append(stack, frame{name: e.Name.Local})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

func TestValidate(t *testing.T) {
	good := full()
	got, err := Validate(good)
	if err != nil {
		t.Fatalf("%v %v", err, dispatchd.ErrorFields(err))
	}
	if !reflect.DeepEqual(got, full()) {
		t.Errorf("got %+v, want the alert unchanged", got)
	}

	bad := full()
	bad.Status = "Real"
	bad.Sent = time.Time{}
	bad.Info[0].Area[0].Polygon[0][0].Lat = 91
	bad.Info[0].Area[0].Circle[0].Radius = -1
	bad.Info[0].Resource[0].Size = new(int64(-5))
	_, err = Validate(bad)
	var fields []string
	for _, f := range dispatchd.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	want := []string{"sent", "status", "info[0].resource[0].size", "info[0].area[0].polygon[0]", "info[0].area[0].circle[0]"}
	if !slices.Equal(fields, want) {
		t.Errorf("got fields %v, want %v", fields, want)
	}
}
