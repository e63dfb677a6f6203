package demo

import (
	"strings"

	"dispatchd/warning"
)

// persons invents the responsible persons (责任人) of the first city: one
// for the city, one for each of its counties under the city's, and, in
// the counties outside the urban core, a person for each of two hazard
// points (landslides and flash floods near a town) under the county's.
// They are rows of a persons file, superiors named by phone, as an import
// takes them. The demo tree has no townships, so every person's region is
// the city or a county.
func (g *gen) persons(areas []*area) []warning.PersonRow {
	var out []warning.PersonRow
	add := func(p warning.Person, superior string) string {
		p.Phone = g.mobile()
		out = append(out, warning.PersonRow{Line: len(out) + 2, Person: p, SuperiorPhone: superior})
		return p.Phone
	}
	city := &zhejiang[0]
	cityPhone := add(warning.Person{Name: g.person(), Region: city.code, Duty: warning.DutyCity, Note: city.name + "防汛防台责任人"}, "")
	for _, a := range areas {
		if a.city != city {
			continue
		}
		county := add(warning.Person{Name: g.person(), Region: a.county.code, Duty: warning.DutyCounty,
			Note: a.county.name + "防汛防台责任人"}, cityPhone)
		if a.county.has('u') {
			continue
		}
		for i, kind := range []string{"滑坡隐患点", "山洪隐患点"} {
			t := a.towns[(i*3)%len(a.towns)]
			add(warning.Person{Name: g.person(), Region: a.county.code, Duty: warning.DutyHazardPoint,
				HazardPoint: strings.TrimSuffix(strings.TrimSuffix(t.name, "镇"), "乡") + kind}, county)
		}
	}
	return out
}
