package demo

import (
	"dispatchd"
	"dispatchd/dispatch"
	"dispatchd/dispatch/plan"
	"dispatchd/geo"
	"dispatchd/regions"
	"dispatchd/resources"
)

// Jurisdictions: the region tree of the province, and the accounts and
// incidents that show each level commanding its own.

// regionTree returns the province, its cities and their counties (the
// rows of Regions), each with its level and parent.
func regionTree() []regions.Region {
	rows := Regions()
	out := make([]regions.Region, len(rows))
	for i, r := range rows {
		out[i] = regions.Region{Code: r.Code, Name: r.Name, Level: regions.LevelOf(r.Code), Parent: dispatchd.RegionParent(r.Code)}
	}
	return out
}

// ProvinceCode is the demo province's region code.
const ProvinceCode = provinceCode

// commanders returns the jurisdictions' duty commanders: one per city
// ("commander-330100", ...), one per county of the first city, and the
// province's flood-control desk ("flood-desk").
func commanders() []User {
	var out []User
	for _, c := range zhejiang {
		out = append(out, User{Username: "commander-" + c.code, Role: dispatchd.RoleCommander, Jurisdiction: c.code})
	}
	for _, k := range zhejiang[0].counties {
		out = append(out, User{Username: "commander-" + k.code, Role: dispatchd.RoleCommander, Jurisdiction: k.code})
	}
	return append(out, User{Username: "flood-desk", Role: dispatchd.RoleCommander, Jurisdiction: provinceCode, Desk: "flood"})
}

// OpenIncidents returns the incidents the demo starts with, reported in
// several counties of several cities: floods for the flood desk, a forest
// fire, a mine accident and a hazardous chemicals leak for the others. The
// flood in 淳安县 needs more boats and rescuers than the county has close by.
func (d *Data) OpenIncidents() []dispatch.Incident {
	code := map[string]string{}
	for _, it := range d.Items {
		code[it.Name] = it.Code
	}
	items := func(pairs ...any) []resources.ItemQty {
		var out []resources.ItemQty
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, resources.ItemQty{Item: code[pairs[i].(string)], Qty: int64(pairs[i+1].(int))})
		}
		return out
	}
	teams := func(pairs ...any) []plan.TeamNeed {
		var out []plan.TeamNeed
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, plan.TeamNeed{Capability: pairs[i].(string), Count: pairs[i+1].(int)})
		}
		return out
	}
	return []dispatch.Incident{
		{Type: "flood", Level: 2, Title: "千岛湖库区水位超警，威坪镇多村进水", Region: "330127", Address: "淳安县威坪镇",
			Location: geo.Point{Lon: 118.83, Lat: 29.77}, DeadlineS: 4 * 3600,
			Needs: plan.Needs{Teams: teams("water_rescue", 6, "flood_control", 4, "medical", 2),
				Items: items("冲锋舟", 20, "救生衣", 800, "编织袋", 30000, "救灾单帐篷（12平方米）", 300)}},
		{Type: "flood", Level: 3, Title: "分水江水位上涨，沿江低洼地带转移群众", Region: "330122", Address: "桐庐县分水镇",
			Location: geo.Point{Lon: 119.43, Lat: 29.92},
			Needs:    plan.Needs{Teams: teams("water_rescue", 2, "flood_control", 2), Items: items("编织袋", 5000, "救生衣", 200)}},
		{Type: "typhoon", Level: 2, Title: "台风登陆前沿海渔船回港避风、人员转移", Region: "330225", Address: "象山县石浦镇",
			Location: geo.Point{Lon: 121.93, Lat: 29.20},
			Needs:    plan.Needs{Teams: teams("water_rescue", 3, "logistics", 2), Items: items("救灾单帐篷（12平方米）", 200)}},
		{Type: "forest_fire", Level: 3, Title: "清凉峰山林火情", Region: "330112", Address: "临安区清凉峰镇",
			Location: geo.Point{Lon: 119.10, Lat: 30.11},
			Needs:    plan.Needs{Teams: teams("forest_fire", 3), Items: items("风力灭火机", 20)}},
		{Type: "mine_accident", Level: 2, Title: "矿井透水，井下人员被困", Region: "330182", Address: "建德市寿昌镇",
			Location: geo.Point{Lon: 119.22, Lat: 29.36},
			Needs:    plan.Needs{Teams: teams("mine_rescue", 2, "medical", 1)}},
		{Type: "hazmat", Level: 3, Title: "化工园区储罐泄漏", Region: "330211", Address: "镇海区蛟川街道",
			Location: geo.Point{Lon: 121.66, Lat: 29.96},
			Needs:    plan.Needs{Teams: teams("hazmat", 2, "medical", 1)}},
	}
}
