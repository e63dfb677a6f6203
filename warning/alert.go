package warning

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/resources"
	"dispatchd/warning/cap"
)

// TypeCodeName is the valueName of the eventCode that holds a warning's
// GB/T 35965 type. The type is read from it as written (a feed may give a
// code such as 11B03 or a name such as rainstorm) and written back to it;
// a warning with no such eventCode has no type.
const TypeCodeName = "GB/T 35965 type"

// MaxAnswerWithin bounds the answer deadline a warning may name.
const MaxAnswerWithin = 24 * time.Hour

// infoIndex returns the info block a warning is read from: the first in
// Chinese (a language starting with "zh"), else the first; -1 when there
// is none.
func infoIndex(a *cap.Alert) int {
	for i, in := range a.Info {
		if strings.HasPrefix(strings.ToLower(in.Language), "zh") {
			return i
		}
	}
	if len(a.Info) == 0 {
		return -1
	}
	return 0
}

// fromAlert reads a warning's fields from its alert. Field errors name the
// alert's elements by their CAP path.
func fromAlert(a *cap.Alert) (*Warning, error) {
	w := &Warning{
		Identifier: a.Identifier, Sender: a.Sender, Sent: a.Sent, Status: a.Status, MsgType: a.MsgType, Scope: a.Scope,
		References: []string{}, Category: []string{}, Areas: []Area{}, Regions: []string{}, Duties: []Duty{}, Alert: a,
	}
	for _, r := range a.References {
		w.References = append(w.References, r.Sender+","+r.Identifier+","+cap.FormatTime(r.Sent))
	}
	var f dispatchd.Fields
	switch a.MsgType {
	case "Alert", "Update", "Cancel":
	default:
		f.Add("msgType", "must be Alert, Update or Cancel to be issued")
	}
	if a.Status == "Draft" {
		f.Add("status", "a draft is not issued")
	}
	i := infoIndex(a)
	if i < 0 {
		if a.MsgType != "Cancel" {
			f.Add("info", "is required: a warning needs its event, level and areas")
		}
		return w, f.Err()
	}
	in := &a.Info[i]
	path := fmt.Sprintf("info[%d]", i)
	w.Level = in.Level()
	if w.Level == "" && a.MsgType != "Cancel" {
		f.Add(path+".severity", "must give a GB/T 35965 level: a severity other than Unknown, or a parameter %q", cap.LevelParameter)
	}
	for _, c := range in.EventCode {
		if c.ValueName == TypeCodeName {
			w.Type = c.Value
		}
	}
	w.Category = append(w.Category, in.Category...)
	w.Event, w.Urgency, w.Severity, w.Certainty = in.Event, in.Urgency, in.Severity, in.Certainty
	w.Headline, w.Description, w.Instruction = in.Headline, in.Description, in.Instruction
	if !in.Effective.IsZero() {
		w.Effective = &in.Effective
	}
	if !in.Expires.IsZero() {
		w.Expires = &in.Expires
	}
	if len(in.Area) == 0 && a.MsgType != "Cancel" {
		f.Add(path+".area", "is required: name the regions (GB/T 2260 geocodes) or a polygon the warning reaches")
	}
	for j := range in.Area {
		ar := &in.Area[j]
		regions, err := ar.Regions()
		for _, fe := range dispatchd.ErrorFields(err) {
			f.Add(fmt.Sprintf("%s.area[%d].%s", path, j, fe.Field), "%s", fe.Message)
		}
		out := Area{Desc: ar.AreaDesc, Regions: regions, Polygons: [][][2]float64{}}
		if out.Regions == nil {
			out.Regions = []string{}
		}
		for _, p := range ar.Polygon {
			ring := make([][2]float64, len(p))
			for k, pt := range p {
				ring[k] = [2]float64{pt.Lon, pt.Lat}
			}
			out.Polygons = append(out.Polygons, ring)
		}
		w.Areas = append(w.Areas, out)
	}
	return w, f.Err()
}

// areaPath names area i of a warning read from CAP.
func capAreaPath(a *cap.Alert) func(i int) string {
	k := infoIndex(a)
	return func(i int) string { return fmt.Sprintf("info[%d].area[%d]", k, i) }
}

// jsonAreaPath names area i of a warning given as JSON.
func jsonAreaPath(i int) string { return resources.Indexed("areas", i) }

// toAlert builds the CAP alert of a warning given as JSON, after checking
// what JSON names in its own terms. Defaults: status Actual, msgType
// Alert, scope Public, category Other, urgency and certainty Unknown,
// language zh-CN; the severity is the level's.
func toAlert(w *Warning) (*cap.Alert, error) {
	var f dispatchd.Fields
	def := func(s *string, v string) {
		if *s = strings.TrimSpace(*s); *s == "" {
			*s = v
		}
	}
	def(&w.Status, "Actual")
	def(&w.MsgType, "Alert")
	def(&w.Scope, "Public")
	def(&w.Urgency, "Unknown")
	def(&w.Certainty, "Unknown")
	if len(w.Category) == 0 {
		w.Category = []string{"Other"}
	}
	cancel := w.MsgType == "Cancel"
	if !slices.Contains(cap.Levels, w.Level) && !(cancel && w.Level == "") {
		f.Add("level", "must be one of %s", strings.Join(cap.Levels, ", "))
	}
	if strings.TrimSpace(w.Event) == "" && !cancel {
		f.Add("event", "is required, such as 暴雨")
	}
	if len(w.Areas) == 0 && !cancel {
		f.Add("areas", "name at least one area: its regions or a polygon")
	}
	if (w.MsgType == "Update" || cancel) && len(w.References) == 0 {
		f.Add("references", "name the warning this %s replaces, as sender,identifier,sent", strings.ToLower(w.MsgType))
	}
	if w.AnswerWithinS < 0 || time.Duration(w.AnswerWithinS)*time.Second > MaxAnswerWithin {
		f.Add("answer_within_s", "must be between 0 (the level's default) and %d", int(MaxAnswerWithin.Seconds()))
	}
	for i, d := range w.Duties {
		if !slices.Contains(Duties, d) {
			f.Add(resources.Indexed("duties", i), "must be one of %s", resources.JoinEnum(Duties))
		}
	}
	a := &cap.Alert{Identifier: w.Identifier, Sender: w.Sender, Sent: w.Sent, Status: w.Status, MsgType: w.MsgType, Scope: w.Scope}
	for i, r := range w.References {
		parts := strings.Split(strings.TrimSpace(r), ",")
		var sent time.Time
		var err error
		if len(parts) == 3 {
			sent, err = time.Parse(time.RFC3339, parts[2])
		}
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || err != nil {
			f.Add(resources.Indexed("references", i), "must be sender,identifier,sent with sent as 2026-07-01T08:30:00+08:00")
			continue
		}
		a.References = append(a.References, cap.Reference{Sender: parts[0], Identifier: parts[1], Sent: sent})
	}
	for i, ar := range w.Areas {
		if len(ar.Regions) == 0 && len(ar.Polygons) == 0 {
			f.Add(jsonAreaPath(i), "name its regions or give a polygon")
		}
		for j, r := range ar.Regions {
			if !dispatchd.ValidRegion(r) {
				f.Add(fmt.Sprintf("%s.regions[%d]", jsonAreaPath(i), j), "must be a GB/T 2260 region code")
			}
		}
		for j, p := range ar.Polygons {
			if len(p) < 4 || p[0] != p[len(p)-1] {
				f.Add(fmt.Sprintf("%s.polygons[%d]", jsonAreaPath(i), j), "must be a closed ring of at least 4 [lon, lat] positions")
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if cancel && w.Level == "" && w.Event == "" && len(w.Areas) == 0 {
		return a, nil // a cancel may name no info
	}
	in := cap.Info{Language: "zh-CN", Category: w.Category, Event: w.Event, Urgency: w.Urgency, Certainty: w.Certainty,
		Headline: w.Headline, Description: w.Description, Instruction: w.Instruction}
	in.SetLevel(w.Level)
	if in.Severity == "" {
		in.Severity = "Unknown"
	}
	if w.Type != "" {
		in.EventCode = []cap.ValueName{{ValueName: TypeCodeName, Value: w.Type}}
	}
	if w.Effective != nil {
		in.Effective = *w.Effective
	}
	if w.Expires != nil {
		in.Expires = *w.Expires
	}
	for _, ar := range w.Areas {
		ca := cap.Area{AreaDesc: ar.Desc}
		for _, r := range ar.Regions {
			ca.Geocode = append(ca.Geocode, cap.ValueName{ValueName: cap.RegionCodeName, Value: r})
		}
		for _, p := range ar.Polygons {
			poly := make(cap.Polygon, len(p))
			for k, pt := range p {
				poly[k] = cap.Point{Lon: pt[0], Lat: pt[1]}
			}
			ca.Polygon = append(ca.Polygon, poly)
		}
		in.Area = append(in.Area, ca)
	}
	a.Info = []cap.Info{in}
	return a, nil
}
