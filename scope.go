package dispatchd

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Jurisdictions (属地为主, 分级负责): every incident, team, depot and support
// request belongs to a region, a GB/T 2260 code (6 digits; townships 9).
// A user's jurisdiction is a region code, empty for the whole deployment;
// it covers that region and every division below it, which share its
// prefix. A commander's or viewer's desk (a headquarters) narrows the
// incidents it sees to the types of its hazard.

var regionRE = regexp.MustCompile(`^[1-9][0-9]{5}([0-9]{3})?$`)

// ValidRegion reports whether code is a region code: six digits (province,
// city, county) or nine (township).
func ValidRegion(code string) bool { return regionRE.MatchString(code) }

// RegionPrefix returns the prefix shared by a region code and every
// division below it: 330000 (a province) gives 33, 330100 (a city) 3301,
// 330127 (a county) 330127; a township's nine digits are their own prefix.
func RegionPrefix(code string) string {
	if len(code) != 6 {
		return code
	}
	for len(code) > 2 && strings.HasSuffix(code, "00") {
		code = code[:len(code)-2]
	}
	return code
}

// RegionParent returns the code of the region directly above code: a
// county's city, a city's province, a township's county; "" for a province.
// The parent of a county directly under a province (a 省直辖县) is its
// province's city-level code xx9000, which a region tree may not list:
// callers then go one level further up.
func RegionParent(code string) string {
	switch p := RegionPrefix(code); len(p) {
	case 9:
		return p[:6]
	case 6:
		return p[:4] + "00"
	case 4:
		return p[:2] + "0000"
	}
	return ""
}

// InRegion reports whether region lies within the subtree of jurisdiction;
// an empty jurisdiction is the whole deployment. An object with no region
// lies only within the whole deployment.
func InRegion(jurisdiction, region string) bool {
	if jurisdiction == "" {
		return true
	}
	return region != "" && strings.HasPrefix(region, RegionPrefix(jurisdiction))
}

// Desk is a headquarters within a level: the general one sees every
// incident, a specialised one its hazard's types.
type Desk = string

// DeskGeneral is the general headquarters, and the desk of a user who
// names none.
const DeskGeneral Desk = "general"

// Desks maps each specialised desk to the incident types it works.
type Desks map[Desk][]string

// DefaultDesks are the specialised headquarters of a Chinese emergency
// management bureau and the incident types each works.
func DefaultDesks() Desks {
	return Desks{
		"flood":       {"flood", "typhoon", "drowning"},
		"forest_fire": {"forest_fire"},
		"earthquake":  {"earthquake", "building_collapse"},
		"geological":  {"geological_hazard"},
		"work_safety": {"mine_accident", "hazmat", "fire", "traffic_accident"},
	}
}

// ParseDesks reads desks written as "flood=flood,typhoon;earthquake=earthquake".
func ParseDesks(s string) (Desks, error) {
	d := Desks{}
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, types, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		if !ok || !deskRE.MatchString(name) || name == DeskGeneral {
			return nil, fmt.Errorf("desk %q: want name=type,type with a lowercase name other than general", part)
		}
		for t := range strings.SplitSeq(types, ",") {
			if t = strings.TrimSpace(t); t != "" {
				d[name] = append(d[name], t)
			}
		}
	}
	return d, nil
}

var deskRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Names lists the desks, general first, the others in order.
func (d Desks) Names() []string {
	out := make([]string, 0, len(d)+1)
	for k := range d {
		out = append(out, k)
	}
	sort.Strings(out)
	return append([]string{DeskGeneral}, out...)
}

// Valid reports whether desk is empty, general or one of d.
func (d Desks) Valid(desk string) bool {
	_, ok := d[desk]
	return ok || desk == "" || desk == DeskGeneral
}

// Types returns the incident types a desk works; nil means every type.
func (d Desks) Types(desk string) []string {
	if desk == "" || desk == DeskGeneral {
		return nil
	}
	t := d[desk]
	if t == nil {
		return []string{} // an unknown desk sees no incident rather than all
	}
	return slices.Clone(t)
}

// Scope is what an actor may see: a region subtree and incident types.
// The zero Scope is everything.
type Scope struct {
	// Prefix is the region prefix; "" is the whole deployment.
	Prefix string
	// Types lists the incident types; nil is every type.
	Types []string
}

// Everything reports whether the scope limits nothing.
func (s Scope) Everything() bool { return s.Prefix == "" && s.Types == nil }

// Covers reports whether region lies within the scope's regions.
func (s Scope) Covers(region string) bool {
	return s.Prefix == "" || (region != "" && strings.HasPrefix(region, s.Prefix))
}

// CoversAny reports whether any of regions lies within the scope.
func (s Scope) CoversAny(regions []string) bool {
	if s.Prefix == "" {
		return true
	}
	return slices.ContainsFunc(regions, s.Covers)
}

// SeesType reports whether the scope's desk works incidents of type t.
func (s Scope) SeesType(t string) bool { return s.Types == nil || slices.Contains(s.Types, t) }
