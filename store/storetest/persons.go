package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/warning"
)

func personIDs(ps []warning.Person) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// testPersons walks responsible persons through their service: who may
// record, see, change and delete them, superiors and their cycles.
func testPersons(t *testing.T, s Store) {
	c := ctx(t)
	svc := warning.NewService(s)
	county := ok(svc.CreatePerson(c, cityCmd, warning.Person{Name: "王县长", Phone: "13900000001", Region: "330127",
		Duty: warning.DutyCounty})).get(t)
	town := ok(svc.CreatePerson(c, countyCmd, warning.Person{Name: "李镇长", Phone: "13900000002", Region: "330127101",
		Duty: warning.DutyTownship, Superior: county.ID})).get(t)
	point := ok(svc.CreatePerson(c, countyCmd, warning.Person{Name: "张三", Phone: "13900000003", Region: "330127101",
		Duty: warning.DutyHazardPoint, HazardPoint: "下姜村滑坡点", Superior: town.ID})).get(t)
	other := ok(svc.CreatePerson(c, otherCmd, warning.Person{Name: "赵区长", Phone: "13900000004", Region: "330106",
		Duty: warning.DutyCounty})).get(t)

	tests := []struct {
		name  string
		actor dispatchd.Actor
		p     warning.Person
		field string
	}{
		{"outside the jurisdiction", countyCmd, warning.Person{Name: "x", Phone: "1390000", Region: "330106", Duty: warning.DutyCounty}, "region"},
		{"no phone", countyCmd, warning.Person{Name: "x", Region: "330127", Duty: warning.DutyCounty}, "phone"},
		{"bad duty", countyCmd, warning.Person{Name: "x", Phone: "1390000", Region: "330127", Duty: "mayor"}, "duty"},
		{"hazard point unnamed", countyCmd, warning.Person{Name: "x", Phone: "1390000", Region: "330127", Duty: warning.DutyHazardPoint}, "hazard_point"},
		{"unknown superior", countyCmd, warning.Person{Name: "x", Phone: "1390000", Region: "330127", Duty: warning.DutyVillage, Superior: "nope"}, "superior"},
		{"superior of another region", countyCmd, warning.Person{Name: "x", Phone: "1390000", Region: "330127", Duty: warning.DutyVillage, Superior: other.ID}, "superior"},
		{"superior below", cityCmd, warning.Person{Name: "x", Phone: "1390000", Region: "330100", Duty: warning.DutyCity, Superior: town.ID}, "superior"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.CreatePerson(c, tt.actor, tt.p)
			wantCode(t, err, dispatchd.EINVALID)
			if f := dispatchd.ErrorFields(err); len(f) == 0 || f[0].Field != tt.field {
				t.Fatalf("got fields %v, want %s", f, tt.field)
			}
		})
	}

	// Out of scope answers as an unknown id.
	_, err := svc.Person(c, otherCmd, town.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, err = svc.UpdatePerson(c, otherCmd, town.ID, warning.PersonPatch{Note: new(string)})
	wantCode(t, err, dispatchd.ENOTFOUND)
	wantCode(t, svc.DeletePerson(c, otherCmd, point.ID), dispatchd.ENOTFOUND)
	// Moved out of the jurisdiction: a field error.
	far := "330106"
	_, err = svc.UpdatePerson(c, countyCmd, point.ID, warning.PersonPatch{Region: &far})
	wantCode(t, err, dispatchd.EINVALID)
	// A cycle: the county's person may not answer to the township's.
	_, err = svc.UpdatePerson(c, cityCmd, county.ID, warning.PersonPatch{Superior: &point.ID})
	wantCode(t, err, dispatchd.EINVALID)
	// Moving the township's person elsewhere would leave its hazard
	// point's person outside its region.
	town2 := "330127102"
	_, err = svc.UpdatePerson(c, countyCmd, town.ID, warning.PersonPatch{Region: &town2})
	wantCode(t, err, dispatchd.EINVALID)
	note := "值班电话 0571-1234567"
	got := ok(svc.UpdatePerson(c, countyCmd, point.ID, warning.PersonPatch{Note: &note})).get(t)
	if got.Note != note || got.Superior != town.ID || !got.CreatedAt.Equal(point.CreatedAt) {
		t.Fatalf("got %+v, want the note set and the rest kept", got)
	}

	// Lists are the actor's jurisdiction, filtered.
	list := func(a dispatchd.Actor, f warning.PersonFilter) []string {
		t.Helper()
		ps, _, err := svc.Persons(c, a, f)
		noErr(t, err)
		return personIDs(ps)
	}
	want := personIDs([]warning.Person{*county, *town, *point})
	slices.Sort(want)
	if got := list(countyCmd, warning.PersonFilter{}); !slices.Equal(got, want) {
		t.Fatalf("county lists %v, want %v", got, want)
	}
	if got := list(cityCmd, warning.PersonFilter{Region: "330127101", Duty: warning.DutyHazardPoint}); !slices.Equal(got, []string{point.ID}) {
		t.Fatalf("city lists %v, want the hazard point's person", got)
	}
	if got := list(provinceCmd, warning.PersonFilter{Q: "赵"}); !slices.Equal(got, []string{other.ID}) {
		t.Fatalf("province lists %v, want 赵区长", got)
	}
	page, next, err := svc.Persons(c, provinceCmd, warning.PersonFilter{Limit: 2})
	noErr(t, err)
	rest, last, err := svc.Persons(c, provinceCmd, warning.PersonFilter{Limit: 2, After: next})
	noErr(t, err)
	if len(page) != 2 || len(rest) != 2 || last != "" || rest[0].ID <= page[1].ID {
		t.Fatalf("got pages %v %v (next %q), want 2 and 2", personIDs(page), personIDs(rest), last)
	}

	// A superior may not be deleted while it has subordinates.
	wantCode(t, svc.DeletePerson(c, countyCmd, town.ID), dispatchd.ECONFLICT)
	noErr(t, svc.DeletePerson(c, countyCmd, point.ID))
	noErr(t, svc.DeletePerson(c, countyCmd, town.ID))
	_, err = svc.Person(c, countyCmd, town.ID)
	wantCode(t, err, dispatchd.ENOTFOUND)

	evs := ok(s.ListEvents(c, 0, 1000)).get(t)
	var types []string
	for _, ev := range evs {
		if strings.HasPrefix(ev.Type, "person.") {
			types = append(types, ev.Type)
			if len(ev.Regions) == 0 {
				t.Fatalf("event %s %s names no region", ev.Type, ev.Subject)
			}
		}
	}
	if wantTypes := []string{"person.created", "person.created", "person.created", "person.created", "person.updated",
		"person.deleted", "person.deleted"}; !slices.Equal(types, wantTypes) {
		t.Fatalf("got events %v, want %v", types, wantTypes)
	}
}

// testPersonsImport imports a file all or nothing: superiors by phone,
// within the file or recorded, rows outside the jurisdiction refused.
func testPersonsImport(t *testing.T, s Store) {
	c := ctx(t)
	svc := warning.NewService(s)
	county := ok(svc.CreatePerson(c, cityCmd, warning.Person{Name: "王县长", Phone: "13900000001", Region: "330127",
		Duty: warning.DutyCounty})).get(t)
	good := "name,phone,region,duty,hazard_point,superior_phone\n" +
		"李镇长,13900000002,330127101,township_duty,,13900000001\n" +
		"张三,13900000003,330127101,hazard_point,下姜村滑坡点,13900000002\n"
	sum := ok(svc.ImportPersons(c, countyCmd, strings.NewReader(good), "test")).get(t)
	if sum.Rows != 2 {
		t.Fatalf("got %+v, want 2 rows", sum)
	}
	ps, _, err := svc.Persons(c, countyCmd, warning.PersonFilter{Duty: warning.DutyHazardPoint})
	noErr(t, err)
	if len(ps) != 1 || ps[0].HazardPoint != "下姜村滑坡点" {
		t.Fatalf("got %+v, want 张三", ps)
	}
	towns, _, err := svc.Persons(c, countyCmd, warning.PersonFilter{Duty: warning.DutyTownship})
	noErr(t, err)
	if len(towns) != 1 || ps[0].Superior != towns[0].ID || towns[0].Superior != county.ID {
		t.Fatalf("superiors: got %+v and %+v", ps[0], towns)
	}

	head := "name,phone,region,duty,hazard_point,superior_phone\n"
	files := []struct {
		name  string
		body  string
		lines []int
	}{
		{"rows", head +
			"甲,13900000010,330127101,village_duty,,\n" +
			"乙,13900000011,330106,county_duty,,\n" + // outside
			"丙,12,330127102,village_duty,,\n" + // a bad phone
			"丁,13900000010,330127102,village_duty,,\n", // a phone twice
			[]int{3, 4, 5}},
		{"superiors", head +
			"丙,13900000012,330127102,village_duty,,13900000099\n" + // unknown superior
			"丁,13900000013,330127,county_duty,,13900000014\n" + // a cycle
			"戊,13900000014,330127,county_duty,,13900000013\n" +
			"己,13900000015,330127,county_duty,,13900000003\n", // a superior below
			[]int{2, 3, 4, 5}},
	}
	for _, f := range files {
		_, err = svc.ImportPersons(c, countyCmd, strings.NewReader(f.body), "test")
		wantCode(t, err, dispatchd.EINVALID)
		var lines []int
		for _, fe := range dispatchd.ErrorFields(err) {
			lines = append(lines, fe.Line)
		}
		if !slices.Equal(lines, f.lines) {
			t.Fatalf("%s: got errors %v at lines %v, want lines %v", f.name, dispatchd.ErrorFields(err), lines, f.lines)
		}
	}
	all, _, err := svc.Persons(c, provinceCmd, warning.PersonFilter{})
	noErr(t, err)
	if len(all) != 3 {
		t.Fatalf("got %d persons, want the 3 before the refused file", len(all))
	}
	var n int
	for _, ev := range ok(s.ListEvents(c, 0, 1000)).get(t) {
		if ev.Type == "person.imported" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("got %d person.imported events, want 1", n)
	}
}

// testRecipients resolves 10,000 persons against a brute-force filter.
func testRecipients(t *testing.T, s Store) {
	c := ctx(t)
	counties := []string{"330102", "330106", "330127", "330182", "330203", "331002"}
	list := make([]warning.Person, 0, 10000)
	ts := time.Now().UTC().Truncate(time.Microsecond)
	for i := range 10000 {
		region := counties[i%len(counties)]
		if i%3 != 0 {
			region += fmt.Sprintf("%03d", 100+i%7)
		}
		list = append(list, warning.Person{ID: fmt.Sprintf("p%05d", i), Name: fmt.Sprintf("人%d", i),
			Phone: fmt.Sprintf("139%08d", i), Region: region, Duty: warning.Duties[i%len(warning.Duties)],
			HazardPoint: "点", CreatedAt: ts, UpdatedAt: ts})
	}
	ev := dispatchd.NewEvent("person.imported", actor, "persons", nil)
	noErr(t, s.ImportPersons(c, list, &ev))
	tests := []struct {
		name    string
		regions []string
		duties  []warning.Duty
	}{
		{"a city", []string{"330100"}, nil},
		{"a province", []string{"330000"}, nil},
		{"counties and a township, two duties", []string{"330127", "330203", "330106101"}, []warning.Duty{warning.DutyVillage, warning.DutyHazardPoint}},
		{"townships", []string{"330182102", "331002106"}, []warning.Duty{warning.DutyTownship}},
		{"nobody", []string{"110000"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, p := range list {
				in := slices.ContainsFunc(tt.regions, func(r string) bool { return dispatchd.InRegion(r, p.Region) })
				if in && (len(tt.duties) == 0 || slices.Contains(tt.duties, p.Duty)) {
					want = append(want, p.ID)
				}
			}
			var got []string
			after := ""
			for {
				ps, err := s.Recipients(c, warning.RecipientQuery{Regions: tt.regions, Duties: tt.duties, After: after, Limit: 3000})
				noErr(t, err)
				got = append(got, personIDs(ps)...)
				if len(ps) < 3000 {
					break
				}
				after = ps[len(ps)-1].ID
			}
			if !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
				t.Fatalf("got %d recipients, want %d", len(got), len(want))
			}
		})
	}
}
