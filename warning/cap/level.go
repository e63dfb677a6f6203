package cap

import (
	"slices"
	"strconv"
	"strings"

	"dispatchd"
)

// RegionCodeName is the valueName of a geocode that holds a GB/T 2260
// administrative division code.
const RegionCodeName = "GB/T 2260"

// LevelParameter is the valueName of the parameter that holds the GB/T
// 35965 warning level (red, orange, yellow, blue). It is this package's
// choice: no published profile of China's CAP practice was at hand to
// name the parameter, so the level is also always expressed in <severity>
// by the mapping of SeverityOf, which every CAP reader understands.
const LevelParameter = "GB/T 35965 level"

// GB/T 35965 warning levels, most serious first.
const (
	Red    = "red"
	Orange = "orange"
	Yellow = "yellow"
	Blue   = "blue"
)

// Levels are the GB/T 35965 levels, most serious first.
var Levels = []string{Red, Orange, Yellow, Blue}

var levelSeverity = map[string]string{
	Red:    "Extreme",
	Orange: "Severe",
	Yellow: "Moderate",
	Blue:   "Minor",
}

// SeverityOf returns the CAP severity of a level: red Extreme, orange
// Severe, yellow Moderate, blue Minor; "" for anything else.
func SeverityOf(level string) string { return levelSeverity[level] }

// LevelOfSeverity returns the level of a CAP severity, the inverse of
// SeverityOf; "" for Unknown and anything else.
func LevelOfSeverity(severity string) string {
	for l, s := range levelSeverity {
		if s == severity {
			return l
		}
	}
	return ""
}

// LevelOfColour returns the level a colour names in any case ("Red",
// "RED", "red"); "" when s names none.
func LevelOfColour(s string) string {
	l := strings.ToLower(s)
	if _, ok := levelSeverity[l]; ok {
		return l
	}
	return ""
}

// Level returns the level of in: its LevelParameter when it has a valid
// one, else the level of its severity; "" when neither gives one.
func (in *Info) Level() string {
	for _, p := range in.Parameter {
		if p.ValueName == LevelParameter {
			if l := LevelOfColour(p.Value); l != "" {
				return l
			}
		}
	}
	return LevelOfSeverity(in.Severity)
}

// SetLevel sets the severity of in to that of level and its LevelParameter
// to level. It does nothing for a level that is not one of Levels.
func (in *Info) SetLevel(level string) {
	sev := SeverityOf(level)
	if sev == "" {
		return
	}
	in.Severity = sev
	in.Parameter = slices.DeleteFunc(in.Parameter, func(p ValueName) bool { return p.ValueName == LevelParameter })
	in.Parameter = append(in.Parameter, ValueName{ValueName: LevelParameter, Value: level})
}

// Regions returns the GB/T 2260 codes of the area's geocodes, in order and
// without repeats. It returns a dispatchd.EINVALID error naming each
// geocode, as geocode[i], whose value is not a region code (six digits, or
// nine for a township); callers prefix the area's path.
func (a *Area) Regions() ([]string, error) {
	var codes []string
	var f dispatchd.Fields
	for i, g := range a.Geocode {
		if g.ValueName != RegionCodeName {
			continue
		}
		if !dispatchd.ValidRegion(g.Value) {
			f.Add("geocode["+strconv.Itoa(i)+"].value", "%q is not a GB/T 2260 region code", g.Value)
			continue
		}
		if !slices.Contains(codes, g.Value) {
			codes = append(codes, g.Value)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return codes, nil
}

// Regions returns the GB/T 2260 codes of every area of the alert's info
// blocks, in order and without repeats, or a dispatchd.EINVALID error
// naming each bad geocode by its full path.
func (a *Alert) Regions() ([]string, error) {
	var codes []string
	var f dispatchd.Fields
	for i := range a.Info {
		for j := range a.Info[i].Area {
			rs, err := a.Info[i].Area[j].Regions()
			for _, fe := range dispatchd.ErrorFields(err) {
				f.Add("info["+strconv.Itoa(i)+"].area["+strconv.Itoa(j)+"]."+fe.Field, "%s", fe.Message)
			}
			for _, r := range rs {
				if !slices.Contains(codes, r) {
					codes = append(codes, r)
				}
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return codes, nil
}
