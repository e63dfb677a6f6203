package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"dispatchd/geo"
	"dispatchd/resources"
)

// town is a township (镇, 乡) or street (街道) of a county.
type town struct {
	name   string // with its suffix: 石门镇
	street bool   // a 街道, whose villages are communities (社区)
	at     geo.Point
}

// area is a county with the towns generated for it.
type area struct {
	city   *city
	county county
	towns  []town
}

// layout generates the towns of every county: 6 to 10 in an urban core,
// 11 to 18 elsewhere, spread within the county's radius.
func (g *gen) layout() []*area {
	var out []*area
	for ci := range zhejiang {
		c := &zhejiang[ci]
		for _, k := range c.counties {
			a := &area{city: c, county: k}
			n := g.between(11, 18)
			if k.has('u') {
				n = g.between(6, 10)
			}
			used := map[string]bool{}
			for range n {
				name := g.place(used)
				t := town{at: g.near(k.lon, k.lat, k.r)}
				switch r := g.r.Float64(); {
				case k.has('u') && r < 0.85, k.district() && r < 0.5, !k.district() && r < 0.1:
					t.name, t.street = name+"街道", true
				case !k.district() && r < 0.3:
					t.name = name + "乡"
				default:
					t.name = name + "镇"
				}
				a.towns = append(a.towns, t)
			}
			out = append(out, a)
		}
	}
	return out
}

// draft is a team before it has an id.
type draft struct {
	resources.Team
	heads [2]int // headcount range
}

// Team counts by kind, close to the published figures of one province
// (132 fire and rescue, 188 professional, 248 social, 13 aviation) with
// militia and medical teams added to make about 600.
const (
	fireStations    = 32 // besides one brigade per county and one special service brigade per city
	professionalMax = 182
	socialTeams     = 240
	militiaTeams    = 18
)

func (g *gen) teams(areas []*area) []resources.Team {
	var ds []draft
	// addAt drafts a team based in the city seat (cityLevel), in the town
	// at, or near the county seat or one of its towns.
	addAt := func(a *area, cityLevel bool, at *town, name string, kind resources.TeamKind, caps []string, lo, hi int) {
		if !g.claim(name) {
			return
		}
		d := draft{heads: [2]int{lo, hi}}
		d.Name, d.Kind, d.Capabilities = name, kind, caps
		c, k := a.city, a.county
		var street string
		if cityLevel {
			k = c.seatCounty()
			d.Base = g.near(c.lon, c.lat, min(4, k.r))
			street = g.street()
		} else if at != nil || g.chance(0.3) {
			t := at
			if t == nil {
				t = &a.towns[g.r.IntN(len(a.towns))]
			}
			d.Base = g.near(t.at.Lon, t.at.Lat, 1)
			street = t.name + g.street()
		} else {
			d.Base = g.near(k.lon, k.lat, min(3, k.r))
			street = g.street()
		}
		d.Region = k.code
		d.Address = provinceName + c.name + k.name + street
		d.DutyPhone = g.landline(c.area)
		ds = append(ds, d)
	}
	add := func(a *area, cityLevel bool, name string, kind resources.TeamKind, caps []string, lo, hi int) {
		addAt(a, cityLevel, nil, name, kind, caps, lo, hi)
	}
	byCode := map[string]*area{}
	for _, a := range areas {
		byCode[a.county.code] = a
	}
	seatArea := func(c *city) *area { return byCode[c.seat] }
	some := func(caps []string, p float64, extra ...string) []string {
		for _, e := range extra {
			if g.chance(p) {
				caps = append(caps, e)
			}
		}
		return caps
	}

	// Fire and rescue: a special service brigade per city, a brigade per
	// county, and stations in some towns.
	for ci := range zhejiang {
		c := &zhejiang[ci]
		add(seatArea(c), true, c.name+"消防救援支队特勤大队", resources.FireRescue,
			[]string{"fire_fighting", "collapse_search", "hazmat", "high_angle_rescue", "traffic_rescue", "water_rescue", "earthquake"}, 80, 120)
	}
	for _, a := range areas {
		k := a.county
		caps := some([]string{"fire_fighting", "collapse_search", "traffic_rescue"}, 0.4, "high_angle_rescue", "earthquake", "flood_control")
		if g.chance(either(k.has('c'), 0.9, 0.4)) {
			caps = append(caps, "water_rescue")
		}
		if g.chance(either(k.has('h'), 0.9, 0.25)) {
			caps = append(caps, "hazmat")
		}
		if k.has('m') && g.chance(0.5) {
			caps = append(caps, "forest_fire")
		}
		add(a, false, a.city.name+"消防救援支队"+k.short()+"大队", resources.FireRescue, caps, 40, 100)
	}
	for n := 0; n < fireStations; {
		a := pick(g, areas)
		t := &a.towns[g.r.IntN(len(a.towns))]
		name := a.county.name + strings.TrimSuffix(t.name, suffixOf(t.name)) + "消防救援站"
		before := len(ds)
		caps := some([]string{"fire_fighting", "traffic_rescue"}, 0.4, "water_rescue", "collapse_search")
		if a.county.has('m') && g.chance(0.5) {
			caps = append(caps, "forest_fire")
		}
		addAt(a, false, t, name, resources.FireRescue, caps, 30, 50)
		if len(ds) > before {
			n++
		}
	}

	// Professional teams: the city-level ones every city has, one flood
	// response team per county, and a draw from the specialised rest.
	type cand struct {
		a         *area
		cityLevel bool
		name      string
		caps      []string
	}
	var pool []cand
	for ci := range zhejiang {
		c := &zhejiang[ci]
		a := seatArea(c)
		tags := map[byte]int{}
		for _, k := range c.counties {
			for _, t := range []byte("mchk") {
				if k.has(t) {
					tags[t]++
				}
			}
		}
		if tags['h'] > 0 {
			add(a, true, c.name+"危化品应急救援队", resources.Professional, []string{"hazmat", "fire_fighting"}, 30, 80)
		}
		add(a, true, c.name+"电力应急抢修队", resources.Professional, some([]string{"power_restoration"}, 0.5, "flood_control"), 40, 100)
		add(a, true, c.name+"通信应急保障队", resources.Professional, []string{"communications"}, 20, 60)
		add(a, true, c.name+"公路应急抢险队", resources.Professional, []string{"traffic_rescue", "geological_hazard", "logistics"}, 30, 90)
		switch c.code {
		case "330100", "330200", "330300", "330600", "330700":
			add(a, true, c.name+"燃气应急抢修队", resources.Professional, []string{"hazmat"}, 20, 50)
		}
		if tags['m'] >= 3 {
			add(a, true, c.name+"地质灾害应急救援队", resources.Professional, []string{"geological_hazard", "collapse_search"}, 20, 60)
		}
		if tags['k'] > 0 {
			add(a, true, c.name+"矿山救护队", resources.Professional, []string{"mine_rescue", "hazmat", "collapse_search"}, 30, 70)
		}
		switch c.code {
		case "330200", "330300", "330900", "331000":
			add(a, true, c.name+"海上搜救队", resources.Professional, []string{"water_rescue"}, 20, 60)
		}
		pool = append(pool,
			cand{a, true, c.name + "城市排涝抢险队", []string{"flood_control"}},
			cand{a, true, c.name + "建筑工程抢险队", []string{"collapse_search", "earthquake"}},
		)
	}
	for _, a := range areas {
		k := a.county
		add(a, false, k.name+"防汛机动抢险队", resources.Professional, []string{"flood_control", "water_rescue"}, 30, 80)
		if k.has('m') {
			pool = append(pool,
				cand{a, false, k.name + "森林消防专业队", []string{"forest_fire"}},
				cand{a, false, k.name + "地质灾害应急抢险队", []string{"geological_hazard", "collapse_search"}},
			)
		}
		if k.has('h') {
			pool = append(pool, cand{a, false, k.name + "危化品应急救援队", []string{"hazmat"}})
		}
		if k.has('k') {
			pool = append(pool, cand{a, false, k.name + "矿山救护队", []string{"mine_rescue"}})
		}
	}
	g.r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for _, p := range pool {
		if count(ds, resources.Professional) >= professionalMax {
			break
		}
		add(p.a, p.cityLevel, p.name, resources.Professional, p.caps, 20, 80)
	}

	// Social teams: volunteers, at least one per county.
	type pattern struct {
		suffix string
		caps   []string
		tag    byte // the county must have it, or 0
	}
	patterns := []pattern{
		{"应急志愿救援队", []string{"collapse_search", "water_rescue", "flood_control"}, 0},
		{"水上义务救援队", []string{"water_rescue", "flood_control"}, 0},
		{"山地搜救队", []string{"high_angle_rescue", "medical"}, 'm'},
		{"应急救援协会救援队", []string{"collapse_search", "traffic_rescue", "water_rescue"}, 0},
		{"户外救援队", []string{"high_angle_rescue", "medical"}, 0},
		{"潜水救援队", []string{"water_rescue"}, 'c'},
		{"志愿消防队", []string{"fire_fighting", "forest_fire"}, 0},
		{"义工应急服务队", []string{"logistics", "medical"}, 0},
		{"应急救援服务中心", []string{"collapse_search", "earthquake", "traffic_rescue"}, 0},
		{"社区应急救援队", []string{"flood_control", "logistics"}, 'u'},
	}
	var social []cand
	for _, a := range areas {
		var mine []cand
		for _, p := range patterns {
			if p.tag == 0 || a.county.has(p.tag) {
				caps := some(slices.Clone(p.caps), 0.25, "medical", "logistics")
				mine = append(mine, cand{a, false, a.county.name + p.suffix, caps})
			}
		}
		i := g.r.IntN(len(mine))
		add(a, false, mine[i].name, resources.Social, mine[i].caps, 15, 80)
		social = append(social, append(mine[:i:i], mine[i+1:]...)...)
	}
	g.r.Shuffle(len(social), func(i, j int) { social[i], social[j] = social[j], social[i] })
	for _, p := range social {
		if count(ds, resources.Social) >= socialTeams {
			break
		}
		add(p.a, false, p.name, resources.Social, p.caps, 15, 80)
	}

	// Aviation: the provincial corps and forest air station, and one team
	// per city.
	add(byCode["330109"], false, "浙江省航空应急救援总队", resources.Aviation, []string{"air_rescue", "forest_fire", "medical", "water_rescue"}, 30, 40)
	add(byCode["331102"], false, "浙江省森林航空消防站", resources.Aviation, []string{"air_rescue", "forest_fire"}, 15, 30)
	for ci := range zhejiang {
		c := &zhejiang[ci]
		add(seatArea(c), true, c.name+"航空应急救援队", resources.Aviation, some([]string{"air_rescue"}, 0.5, "forest_fire", "medical", "water_rescue"), 10, 30)
	}

	// Militia emergency companies in some counties.
	order := g.r.Perm(len(areas))
	for _, i := range order[:militiaTeams] {
		a := areas[i]
		caps := []string{"flood_control", "logistics"}
		if a.county.has('m') {
			caps = append(caps, "forest_fire")
		}
		if a.county.has('c') {
			caps = append(caps, "water_rescue")
		}
		add(a, false, a.county.name+"民兵应急连", resources.Militia, caps, 40, 100)
	}

	// Medical: the provincial and city emergency medical teams, and a few
	// in the largest county-level cities.
	add(byCode["330106"], false, "浙江省紧急医学救援队", resources.Medical, []string{"medical", "earthquake", "hazmat"}, 30, 50)
	for ci := range zhejiang {
		c := &zhejiang[ci]
		add(seatArea(c), true, c.name+"紧急医学救援队", resources.Medical, some([]string{"medical"}, 0.3, "earthquake", "hazmat"), 15, 50)
	}
	for _, code := range []string{"330782", "330282", "330381", "331081"} {
		a := byCode[code]
		add(a, false, a.county.name+"卫生应急救援队", resources.Medical, []string{"medical"}, 15, 40)
	}

	// Order by region, then by kind, and number them.
	kindOrder := func(k resources.TeamKind) int { return slices.Index(resources.TeamKinds, k) }
	slices.SortStableFunc(ds, func(a, b draft) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)))
	})
	out := make([]resources.Team, len(ds))
	for i, d := range ds {
		t := d.Team
		t.ID = fmt.Sprintf("team-%04d", i+1)
		slices.Sort(t.Capabilities)
		t.Capabilities = slices.Compact(t.Capabilities)
		t.Headcount = g.between(d.heads[0], d.heads[1])
		t.Leader = resources.Contact{Name: g.person(), Phone: g.mobile()}
		t.Equipment = g.equipment(t)
		t.Status = resources.TeamAvailable
		if g.chance(0.06) {
			t.Status = resources.TeamOffDuty
		}
		out[i] = t
	}
	return out
}

func count(ds []draft, k resources.TeamKind) int {
	n := 0
	for _, d := range ds {
		if d.Kind == k {
			n++
		}
	}
	return n
}

// suffixOf returns the administrative suffix of a town name.
func suffixOf(name string) string {
	for _, s := range []string{"街道", "镇", "乡"} {
		if strings.HasSuffix(name, s) {
			return s
		}
	}
	return ""
}

// capabilityEquipment is the equipment a team with a capability carries.
var capabilityEquipment = map[string][]string{
	"fire_fighting":     {"手抬机动消防泵", "消防水带", "多功能消防水枪", "正压式空气呼吸器", "消防员灭火防护服"},
	"collapse_search":   {"雷达生命探测仪", "音视频生命探测仪", "液压破拆工具组", "电动破拆工具组", "起重气垫"},
	"water_rescue":      {"冲锋舟", "橡皮艇", "舷外挂机", "救生衣", "水域救援抛绳包", "干式救援服"},
	"flood_control":     {"潜水排污泵", "大流量排水抢险车", "移动泵站", "救生衣", "柴油发电机组（30千瓦）"},
	"hazmat":            {"重型防化服", "轻型防化服", "四合一气体检测仪", "有毒有害气体检测仪", "正压式空气呼吸器", "辐射检测仪"},
	"forest_fire":       {"风力灭火机", "背负式灭火水枪", "森林消防水泵", "二号工具", "森林防火服", "机动链锯"},
	"medical":           {"折叠担架", "铲式担架", "自动体外除颤器", "便携式呼吸机", "负压救护车"},
	"mine_rescue":       {"隔绝式正压氧气呼吸器", "四合一气体检测仪", "雷达生命探测仪", "液压破拆工具组"},
	"earthquake":        {"雷达生命探测仪", "音视频生命探测仪", "液压破拆工具组", "救援三脚架"},
	"traffic_rescue":    {"液压破拆工具组", "无齿锯", "起重气垫"},
	"high_angle_rescue": {"救援三脚架", "绳索救援装备组"},
	"geological_hazard": {"边坡位移监测仪", "多旋翼无人机", "雷达生命探测仪"},
	"power_restoration": {"柴油发电机组（30千瓦）", "应急电源车", "移动照明灯塔", "便携式汽油发电机（5千瓦）"},
	"communications":    {"卫星电话", "便携式卫星通信站", "应急通信指挥车", "数字对讲机"},
	"air_rescue":        {"救援直升机", "多旋翼无人机"},
	"logistics":         {"野战炊事车", "移动照明灯塔", "应急净水设备", "移动厕所"},
}

// equipment gives a team one to five pieces of equipment that fit its
// capabilities, in small quantities. An aviation team that can fly rescues
// has helicopters first.
func (g *gen) equipment(t resources.Team) []resources.ItemQty {
	var names []string
	for _, c := range t.Capabilities {
		for _, n := range capabilityEquipment[c] {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	for _, n := range []string{"数字对讲机", "卫星电话", "救援头盔"} {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	if t.Kind == resources.Aviation {
		if i := slices.Index(names, "救援直升机"); i > 0 {
			names[0], names[i] = names[i], names[0]
		}
	} else if i := slices.Index(names, "救援直升机"); i >= 0 {
		names = slices.Delete(names, i, i+1)
	}
	names = names[:min(len(names), g.between(1, 5))]
	out := make([]resources.ItemQty, 0, len(names))
	for _, n := range names {
		e := catalog[byName[n]]
		var q int
		switch {
		case e.unit == "辆" || e.unit == "架":
			q = g.between(1, 2)
			if e.name == "救援直升机" && t.Headcount >= 30 {
				q = g.between(3, 4)
			}
		case e.base >= 50:
			q = g.between(10, max(12, min(t.Headcount, 60)))
		case e.base >= 20:
			q = g.between(4, 20)
		default:
			q = g.between(1, 4)
		}
		out = append(out, resources.ItemQty{Item: e.code, Qty: int64(q)})
	}
	slices.SortFunc(out, func(a, b resources.ItemQty) int { return cmp.Compare(a.Item, b.Item) })
	return out
}

func either[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}
