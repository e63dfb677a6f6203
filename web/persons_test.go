package web_test

import (
	"context"
	"slices"
	"testing"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/regions"
	"dispatchd/warning"
)

type personOut struct {
	ID, Name, Phone, Region, Duty, Superior string
	HazardPoint                             string `json:"hazard_point"`
}

type personList struct {
	Items      []personOut
	NextCursor string `json:"next_cursor"`
}

func (l personList) names() []string {
	out := []string{}
	for _, p := range l.Items {
		out = append(out, p.Name)
	}
	return out
}

// TestResponsiblePersons records, lists, changes and deletes responsible
// persons over HTTP, with the region tree loaded: unknown regions and
// duties are field errors, a county's commander keeps to its county.
func TestResponsiblePersons(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if err := e.store.PutRegions(ctx, []regions.Region{
			{Code: "330000", Name: "浙江省", Level: regions.Province},
			{Code: "330100", Name: "杭州市", Level: regions.City, Parent: "330000"},
			{Code: "330127", Name: "淳安县", Level: regions.County, Parent: "330100"},
			{Code: "330127101", Name: "千岛湖镇", Level: regions.Township, Parent: "330127"},
			{Code: "330106", Name: "西湖区", Level: regions.County, Parent: "330100"},
		}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.NewService(e.store, e.store, 0).EnsureUsers(ctx, dispatchd.System, "secret", []auth.SeedUser{
			{Username: "chunan", Role: dispatchd.RoleCommander, Jurisdiction: "330127"},
		}); err != nil {
			t.Fatal(err)
		}
		e.tokens["chunan"] = login(t, e, "chunan")

		var county, town, point personOut
		e.mustJSON(e.as("commander", "POST", "/api/v1/responsible-persons", map[string]any{"name": "王县长", "phone": "13900000001",
			"region": "330127", "duty": "county_duty"}), 201, &county)
		e.mustJSON(e.as("chunan", "POST", "/api/v1/responsible-persons", map[string]any{"name": "李镇长", "phone": "13900000002",
			"region": "330127101", "duty": "township_duty", "superior": county.ID}), 201, &town)
		e.mustJSON(e.as("chunan", "POST", "/api/v1/responsible-persons", map[string]any{"name": "张三", "phone": "139 0000 0003",
			"region": "330127101", "duty": "hazard_point", "hazard_point": "下姜村滑坡点", "superior": town.ID}), 201, &point)
		if point.Superior != town.ID || point.HazardPoint != "下姜村滑坡点" {
			t.Fatalf("got %+v, want the hazard point under the township's person", point)
		}
		var west personOut
		e.mustJSON(e.as("admin", "POST", "/api/v1/responsible-persons", map[string]any{"name": "赵区长", "phone": "13900000004",
			"region": "330106", "duty": "county_duty"}), 201, &west)

		bad := []struct {
			name  string
			user  string
			body  map[string]any
			field string
		}{
			{"unknown region", "admin", map[string]any{"name": "x", "phone": "1390000", "region": "330199", "duty": "county_duty"}, "region"},
			{"outside", "chunan", map[string]any{"name": "x", "phone": "1390000", "region": "330106", "duty": "county_duty"}, "region"},
			{"no phone", "admin", map[string]any{"name": "x", "region": "330127", "duty": "county_duty"}, "phone"},
			{"bad duty", "admin", map[string]any{"name": "x", "phone": "1390000", "region": "330127", "duty": "mayor"}, "duty"},
			{"hazard point unnamed", "admin", map[string]any{"name": "x", "phone": "1390000", "region": "330127", "duty": "hazard_point"}, "hazard_point"},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				e.mustProblem(e.as(tt.user, "POST", "/api/v1/responsible-persons", tt.body), 400, tt.field)
			})
		}
		e.mustProblem(e.as("viewer", "POST", "/api/v1/responsible-persons", map[string]any{}), 403)

		var l personList
		e.mustJSON(e.as("chunan", "GET", "/api/v1/responsible-persons", nil), 200, &l)
		if got := l.names(); len(got) != 3 || slices.Contains(got, "赵区长") {
			t.Fatalf("the county lists %v, want its 3", got)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/responsible-persons?region=330127101&duty=hazard_point", nil), 200, &l)
		if got := l.names(); !slices.Equal(got, []string{"张三"}) {
			t.Fatalf("got %v, want 张三", got)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/responsible-persons?q=区长", nil), 200, &l)
		if got := l.names(); !slices.Equal(got, []string{"赵区长"}) {
			t.Fatalf("got %v, want 赵区长", got)
		}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/responsible-persons?limit=3", nil), 200, &l)
		if len(l.Items) != 3 || l.NextCursor == "" {
			t.Fatalf("got %d and cursor %q, want a page of 3 and a cursor", len(l.Items), l.NextCursor)
		}
		cursor := l.NextCursor
		l = personList{}
		e.mustJSON(e.as("viewer", "GET", "/api/v1/responsible-persons?limit=3&cursor="+cursor, nil), 200, &l)
		if len(l.Items) != 1 || l.NextCursor != "" {
			t.Fatalf("got %d and cursor %q, want the last one", len(l.Items), l.NextCursor)
		}
		e.mustProblem(e.as("viewer", "GET", "/api/v1/responsible-persons?duty=mayor", nil), 400, "duty")

		e.mustProblem(e.as("chunan", "GET", "/api/v1/responsible-persons/"+west.ID, nil), 404)
		e.mustProblem(e.as("chunan", "PATCH", "/api/v1/responsible-persons/"+point.ID, map[string]any{"region": "330106"}), 400, "region")
		e.mustProblem(e.as("commander", "PATCH", "/api/v1/responsible-persons/"+county.ID, map[string]any{"superior": point.ID}), 400, "superior")
		var got personOut
		e.mustJSON(e.as("chunan", "PATCH", "/api/v1/responsible-persons/"+point.ID, map[string]any{"phone": "13900000033"}), 200, &got)
		if got.Phone != "13900000033" || got.Superior != town.ID {
			t.Fatalf("got %+v, want the new phone and the superior kept", got)
		}
		e.mustProblem(e.as("chunan", "DELETE", "/api/v1/responsible-persons/"+town.ID, nil), 409)
		e.mustProblem(e.as("chunan", "DELETE", "/api/v1/responsible-persons/"+west.ID, nil), 404)
		if r := e.as("chunan", "DELETE", "/api/v1/responsible-persons/"+point.ID, nil); r.status != 204 {
			t.Fatalf("got %d, want 204: %s", r.status, r.body)
		}
		e.mustProblem(e.as("chunan", "GET", "/api/v1/responsible-persons/"+point.ID, nil), 404)
	})
}

// TestImportPersons imports a file of persons: all or nothing, errors by
// line, superiors by phone within the file and among those recorded.
func TestImportPersons(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustJSON(e.as("commander", "POST", "/api/v1/responsible-persons", map[string]any{"name": "王县长", "phone": "13900000001",
			"region": "330127", "duty": "county_duty"}), 201, nil)
		csv := []string{"Content-Type", "text/csv"}
		bad := "name,phone,region,duty,hazard_point,superior_phone\n" +
			"李镇长,13900000002,330127101,township_duty,,13900000001\n" +
			"张三,13900000003,330127101,hazard_point,,13900000002\n" + // no hazard point
			"李四,13900000004,3301,village_duty,,\n"
		p := e.mustProblem(e.as("commander", "POST", "/api/v1/import/persons", bad, csv...), 400)
		var lines []int
		for _, fe := range p.Errors {
			lines = append(lines, fe.Line)
		}
		if !slices.Equal(lines, []int{3, 4}) {
			t.Fatalf("got errors %+v, want lines 3 and 4", p.Errors)
		}
		good := "\ufeff姓名,电话,区划代码,职责,隐患点,上级电话\n" +
			"李镇长,13900000002,330127101,township_duty,,13900000001\n" +
			"张三,13900000003,330127101,hazard_point,下姜村滑坡点,13900000002\n"
		var sum warning.ImportSummary
		e.mustJSON(e.as("commander", "POST", "/api/v1/import/persons?source=chunan.csv", good, csv...), 200, &sum)
		if sum.Rows != 2 || sum.Kind != "persons" {
			t.Fatalf("got %+v, want 2 persons", sum)
		}
		var l personList
		e.mustJSON(e.as("viewer", "GET", "/api/v1/responsible-persons?duty=hazard_point", nil), 200, &l)
		if len(l.Items) != 1 || l.Items[0].Superior == "" {
			t.Fatalf("got %+v, want 张三 with a superior", l.Items)
		}
		var ev struct {
			Items []struct{ Type string }
		}
		e.mustJSON(e.as("admin", "GET", "/api/v1/audit?limit=1000", nil), 200, &ev)
		n := 0
		for _, it := range ev.Items {
			if it.Type == "person.imported" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("got %d person.imported events, want 1", n)
		}
	})
}
