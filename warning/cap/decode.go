package cap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"dispatchd"
)

var (
	timeRE   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$`)
	numberRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
	// idRE is an identifier or sender: no spaces, commas, "<" or "&".
	idRE = regexp.MustCompile(`^[^\s,<&]+$`)
)

// Decode reads one CAP 1.2 alert of at most MaxSize bytes and validates it.
// It returns a dispatchd.ETOOLARGE error for a larger document and a
// dispatchd.EINVALID error, with a field error per problem, for one that
// is not well-formed, declares a DOCTYPE, is not CAP 1.2 or breaks a rule
// of the standard.
func Decode(r io.Reader) (*Alert, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read cap document: %w", err)
	}
	if len(data) > MaxSize {
		return nil, dispatchd.Errorf(dispatchd.ETOOLARGE, "a CAP document may have at most %d bytes", MaxSize)
	}
	if err := precheck(data); err != nil {
		return nil, err
	}
	var w xmlAlert
	if err := xml.Unmarshal(data, &w); err != nil {
		return nil, invalid("not a CAP 1.2 alert: %v", err)
	}
	var f dispatchd.Fields
	a := w.alert(&f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return a, nil
}

// invalid reports a problem with the document as a whole, which no
// element's path names.
func invalid(format string, args ...any) error {
	return dispatchd.Errorf(dispatchd.EINVALID, format, args...)
}

// precheck refuses a DOCTYPE (and so every entity declaration), and a root
// that is not a CAP 1.2 alert, before the document is unmarshalled.
func precheck(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return invalid("the document has no alert element")
		}
		if err != nil {
			return invalid("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return invalid("a CAP document may not declare a DOCTYPE or entities")
		case xml.StartElement:
			ns := ""
			for _, at := range t.Attr {
				if at.Name.Space == "" && at.Name.Local == "xmlns" && t.Name.Space == "" ||
					at.Name.Space == "xmlns" && at.Name.Local == t.Name.Space {
					ns = at.Value
				}
			}
			if t.Name.Local != "alert" || ns != Namespace {
				return invalid("the root element must be alert in namespace %s", Namespace)
			}
			return repeats(d)
		}
	}
}

// repeatable lists, for each element with children, those of its children
// the schema lets occur more than once; every other child may occur once.
var repeatable = map[string][]string{
	"alert":     {"code", "info"},
	"info":      {"category", "responseType", "eventCode", "parameter", "resource", "area"},
	"area":      {"polygon", "circle", "geocode"},
	"resource":  nil,
	"eventCode": nil,
	"parameter": nil,
	"geocode":   nil,
}

// repeats refuses a repeated element the schema allows once (encoding/xml
// would keep the last one silently), naming it by its path. d is just
// past the alert's start tag.
func repeats(d *xml.Decoder) error {
	type frame struct {
		name, path string
		seen       map[string]int
	}
	stack := []frame{{name: "alert", seen: map[string]int{}}}
	var f dispatchd.Fields
	skip := 0 // depth inside an element whose content is not checked
	for len(stack) > 0 {
		tok, err := d.RawToken()
		if err != nil {
			return invalid("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			top := &stack[len(stack)-1]
			name := t.Name.Local
			n := top.seen[name]
			top.seen[name]++
			path := top.path + name
			if slices.Contains(repeatable[top.name], name) {
				path = fmt.Sprintf("%s[%d]", path, n)
			} else if n == 1 {
				f.Add(path, "may occur only once")
			}
			if _, ok := repeatable[name]; ok {
				stack = append(stack, frame{name: name, path: path + ".", seen: map[string]int{}})
			} else {
				skip = 1
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
			} else {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return f.Err()
}

func (w *xmlAlert) alert(f *dispatchd.Fields) *Alert {
	a := &Alert{
		Identifier:  trim(w.Identifier),
		Sender:      trim(w.Sender),
		Status:      trim(w.Status),
		MsgType:     trim(w.MsgType),
		Source:      trim(w.Source),
		Scope:       trim(w.Scope),
		Restriction: trim(w.Restriction),
		Addresses:   trim(w.Addresses),
		Note:        trim(w.Note),
		Incidents:   trim(w.Incidents),
	}
	checkID(f, "identifier", a.Identifier)
	checkID(f, "sender", a.Sender)
	a.Sent = parseTime(f, "sent", w.Sent, true)
	checkEnum(f, "status", a.Status, Statuses)
	checkEnum(f, "msgType", a.MsgType, MsgTypes)
	checkEnum(f, "scope", a.Scope, Scopes)
	if a.Scope == "Restricted" && a.Restriction == "" {
		f.Add("restriction", "is required when scope is Restricted")
	}
	if a.Scope == "Private" && a.Addresses == "" {
		f.Add("addresses", "is required when scope is Private")
	}
	for i, c := range w.Code {
		a.Code = append(a.Code, trim(c))
		if a.Code[i] == "" {
			f.Add(fmt.Sprintf("code[%d]", i), "may not be empty")
		}
	}
	a.References = parseReferences(f, trim(w.References))
	// An Update or Cancel supersedes, an Ack or Error answers, the
	// messages its references name: without them it means nothing.
	if a.MsgType != "Alert" && slices.Contains(MsgTypes, a.MsgType) && len(a.References) == 0 {
		f.Add("references", "is required when msgType is %s", a.MsgType)
	}
	for i := range w.Info {
		a.Info = append(a.Info, w.Info[i].info(f, fmt.Sprintf("info[%d]", i)))
	}
	return a
}

func (w *xmlInfo) info(f *dispatchd.Fields, path string) Info {
	in := Info{
		Language:    trim(w.Language),
		Event:       trim(w.Event),
		Urgency:     trim(w.Urgency),
		Severity:    trim(w.Severity),
		Certainty:   trim(w.Certainty),
		Audience:    trim(w.Audience),
		SenderName:  trim(w.SenderName),
		Headline:    trim(w.Headline),
		Description: trim(w.Description),
		Instruction: trim(w.Instruction),
		Web:         trim(w.Web),
		Contact:     trim(w.Contact),
	}
	if len(w.Category) == 0 {
		f.Add(path+".category", "is required")
	}
	for i, c := range w.Category {
		in.Category = append(in.Category, trim(c))
		checkEnum(f, fmt.Sprintf("%s.category[%d]", path, i), in.Category[i], Categories)
	}
	if in.Event == "" {
		f.Add(path+".event", "is required")
	}
	for i, c := range w.ResponseType {
		in.ResponseType = append(in.ResponseType, trim(c))
		checkEnum(f, fmt.Sprintf("%s.responseType[%d]", path, i), in.ResponseType[i], ResponseTypes)
	}
	checkEnum(f, path+".urgency", in.Urgency, Urgencies)
	colour := ""
	if l := LevelOfColour(in.Severity); l != "" {
		colour, in.Severity = l, SeverityOf(l)
	}
	checkEnum(f, path+".severity", in.Severity, Severities)
	checkEnum(f, path+".certainty", in.Certainty, Certainties)
	in.EventCode = valueNames(f, path+".eventCode", w.EventCode)
	in.Effective = parseTime(f, path+".effective", w.Effective, false)
	in.Onset = parseTime(f, path+".onset", w.Onset, false)
	in.Expires = parseTime(f, path+".expires", w.Expires, false)
	in.Parameter = valueNames(f, path+".parameter", w.Parameter)
	if colour != "" && !slices.ContainsFunc(in.Parameter, func(p ValueName) bool { return p.ValueName == LevelParameter }) {
		in.Parameter = append(in.Parameter, ValueName{ValueName: LevelParameter, Value: colour})
	}
	for i, p := range in.Parameter {
		if p.ValueName != LevelParameter {
			continue
		}
		field := fmt.Sprintf("%s.parameter[%d].value", path, i)
		if l := LevelOfColour(p.Value); l == "" || l != p.Value {
			f.Add(field, "must be one of %s", strings.Join(Levels, ", "))
		} else if SeverityOf(l) != in.Severity {
			f.Add(field, "level %s needs severity %s", l, SeverityOf(l))
		}
	}
	for i := range w.Resource {
		in.Resource = append(in.Resource, w.Resource[i].resource(f, fmt.Sprintf("%s.resource[%d]", path, i)))
	}
	for i := range w.Area {
		in.Area = append(in.Area, w.Area[i].area(f, fmt.Sprintf("%s.area[%d]", path, i)))
	}
	return in
}

func (w *xmlResource) resource(f *dispatchd.Fields, path string) Resource {
	r := Resource{
		ResourceDesc: trim(w.ResourceDesc),
		MimeType:     trim(w.MimeType),
		URI:          trim(w.URI),
		DerefURI:     trim(w.DerefURI),
		Digest:       trim(w.Digest),
	}
	if r.ResourceDesc == "" {
		f.Add(path+".resourceDesc", "is required")
	}
	if r.MimeType == "" {
		f.Add(path+".mimeType", "is required")
	}
	if s := trim(w.Size); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			f.Add(path+".size", "must be a whole number of bytes")
		} else {
			r.Size = &n
		}
	}
	return r
}

func (w *xmlArea) area(f *dispatchd.Fields, path string) Area {
	a := Area{AreaDesc: trim(w.AreaDesc)}
	if a.AreaDesc == "" {
		f.Add(path+".areaDesc", "is required")
	}
	for i, s := range w.Polygon {
		a.Polygon = append(a.Polygon, parsePolygon(f, fmt.Sprintf("%s.polygon[%d]", path, i), trim(s)))
	}
	for i, s := range w.Circle {
		a.Circle = append(a.Circle, parseCircle(f, fmt.Sprintf("%s.circle[%d]", path, i), trim(s)))
	}
	a.Geocode = valueNames(f, path+".geocode", w.Geocode)
	a.Altitude = parseNumber(f, path+".altitude", trim(w.Altitude))
	a.Ceiling = parseNumber(f, path+".ceiling", trim(w.Ceiling))
	if a.Ceiling != nil && a.Altitude == nil {
		f.Add(path+".ceiling", "needs an altitude")
	}
	if a.Ceiling != nil && a.Altitude != nil && *a.Ceiling < *a.Altitude {
		f.Add(path+".ceiling", "is below the altitude")
	}
	return a
}

func trim(s string) string { return strings.TrimSpace(s) }

func checkID(f *dispatchd.Fields, field, v string) {
	switch {
	case v == "":
		f.Add(field, "is required")
	case !idRE.MatchString(v):
		f.Add(field, "may not contain spaces, commas, \"<\" or \"&\"")
	}
}

func checkEnum(f *dispatchd.Fields, field, v string, allowed []string) {
	switch {
	case v == "":
		f.Add(field, "is required")
	case !slices.Contains(allowed, v):
		f.Add(field, "must be one of %s", strings.Join(allowed, ", "))
	}
}

// parseTime reads a CAP date-time; the zero time when absent and optional.
// The location is normalised (UTC for a zero offset, else an unnamed fixed
// zone) so that equal documents decode to equal values whatever the local
// time zone.
func parseTime(f *dispatchd.Fields, field, s string, required bool) time.Time {
	s = trim(s)
	if s == "" {
		if required {
			f.Add(field, "is required")
		}
		return time.Time{}
	}
	if !timeRE.MatchString(s) {
		f.Add(field, "must be a date-time such as 2026-07-01T08:30:00+08:00")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.Add(field, "is not a valid date-time")
		return time.Time{}
	}
	t = normalise(t)
	if required && t.IsZero() {
		// Encode writes a zero time as 0001-01-01: it is no time at all.
		f.Add(field, "is required")
	}
	return t
}

func normalise(t time.Time) time.Time {
	_, off := t.Zone()
	if t.IsZero() {
		// Encode leaves a zero optional time out: keep it the zero value.
		return time.Time{}
	}
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", off))
}

func parseReferences(f *dispatchd.Fields, s string) []Reference {
	var refs []Reference
	for i, r := range strings.Fields(s) {
		field := fmt.Sprintf("references[%d]", i)
		parts := strings.Split(r, ",")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			f.Add(field, "must be sender,identifier,sent")
			continue
		}
		sent := parseTime(f, field, parts[2], true)
		refs = append(refs, Reference{Sender: parts[0], Identifier: parts[1], Sent: sent})
	}
	return refs
}

func valueNames(f *dispatchd.Fields, path string, ws []xmlValueName) []ValueName {
	var vs []ValueName
	for i, w := range ws {
		v := ValueName{ValueName: trim(w.ValueName), Value: trim(w.Value)}
		if v.ValueName == "" {
			f.Add(fmt.Sprintf("%s[%d].valueName", path, i), "is required")
		}
		vs = append(vs, v)
	}
	return vs
}

func parseNumber(f *dispatchd.Fields, field, s string) *float64 {
	if s == "" {
		return nil
	}
	x, ok := number(s)
	if !ok {
		f.Add(field, "must be a decimal number")
		return nil
	}
	return &x
}

// number reads a plain decimal (no exponent, hexadecimal, NaN or infinity).
func number(s string) (float64, bool) {
	if !numberRE.MatchString(s) {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil && !math.IsInf(x, 0)
}

func parsePoint(s string) (Point, bool) {
	lat, lon, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, false
	}
	y, ok1 := number(lat)
	x, ok2 := number(lon)
	if !ok1 || !ok2 || y < -90 || y > 90 || x < -180 || x > 180 {
		return Point{}, false
	}
	return Point{Lat: y, Lon: x}, true
}

func parsePolygon(f *dispatchd.Fields, field, s string) Polygon {
	pairs := strings.Fields(s)
	if len(pairs) < 4 {
		f.Add(field, "needs at least four \"lat,lon\" points, the first repeated last")
		return nil
	}
	p := make(Polygon, 0, len(pairs))
	for i, pair := range pairs {
		pt, ok := parsePoint(pair)
		if !ok {
			f.Add(field, "point %d is not \"lat,lon\" with latitude in [-90, 90] and longitude in [-180, 180]", i+1)
			return nil
		}
		p = append(p, pt)
	}
	if p[0] != p[len(p)-1] {
		f.Add(field, "must end with its first point")
		return nil
	}
	return p
}

func parseCircle(f *dispatchd.Fields, field, s string) Circle {
	parts := strings.Fields(s)
	if len(parts) != 2 {
		f.Add(field, "must be \"lat,lon radius\" with the radius in kilometres")
		return Circle{}
	}
	pt, ok1 := parsePoint(parts[0])
	r, ok2 := number(parts[1])
	if !ok1 || !ok2 || r < 0 {
		f.Add(field, "must be \"lat,lon radius\" with the radius in kilometres")
		return Circle{}
	}
	return Circle{Center: pt, Radius: r}
}
