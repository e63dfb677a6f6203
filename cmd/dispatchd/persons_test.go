package main

import (
	"context"
	"testing"

	"dispatchd"
	"dispatchd/store/sqlite"
	"dispatchd/warning"
)

// TestSeedLoadsPersons: the demo seed records 杭州市's responsible persons,
// the city's, one per county under it and the hazard points' under their
// county's; and the recipients of a warning to 淳安县 are its county's
// person and its hazard points'.
func TestSeedLoadsPersons(t *testing.T) {
	dir := seededDemo(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := warning.NewService(st)
	all, _, err := svc.Persons(ctx, dispatchd.System, warning.PersonFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	byDuty := map[warning.Duty][]warning.Person{}
	byID := map[string]warning.Person{}
	for _, p := range all {
		byDuty[p.Duty] = append(byDuty[p.Duty], p)
		byID[p.ID] = p
	}
	if len(byDuty[warning.DutyCity]) != 1 || len(byDuty[warning.DutyCounty]) != 13 || len(byDuty[warning.DutyHazardPoint]) == 0 {
		t.Fatalf("got %d city, %d county and %d hazard point persons, want 1, 13 and some", len(byDuty[warning.DutyCity]),
			len(byDuty[warning.DutyCounty]), len(byDuty[warning.DutyHazardPoint]))
	}
	for _, p := range all {
		if p.Duty == warning.DutyCity {
			continue
		}
		sup, ok := byID[p.Superior]
		if !ok || !dispatchd.InRegion(sup.Region, p.Region) {
			t.Fatalf("%s (%s, %s) has superior %q, want one over its region", p.Name, p.Duty, p.Region, p.Superior)
		}
	}
	got, _, err := svc.Recipients(ctx, warning.RecipientQuery{Regions: []string{"330127"},
		Duties: []warning.Duty{warning.DutyCounty, warning.DutyHazardPoint}})
	if err != nil || len(got) != 3 {
		t.Fatalf("淳安县's recipients: got %d, %v, want its county's person and 2 hazard points'", len(got), err)
	}
}
