package demo

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"dispatchd/geo"
	"dispatchd/resources"
)

// industry is a kind of supplier holding agreement reserves, and the goods
// it holds.
type industry struct {
	name   string
	weight int
	goods  []string
}

var industries = []industry{
	{"商贸", 6, []string{"瓶装饮用水（550毫升×24瓶）", "方便面", "压缩饼干", "自热米饭", "手电筒", "雨衣", "棉被", "一次性餐具", "卫生纸"}},
	{"粮油", 4, []string{"大米（25公斤）", "食用植物油（5升）", "方便面", "瓶装饮用水（550毫升×24瓶）"}},
	{"食品", 4, []string{"瓶装饮用水（550毫升×24瓶）", "桶装饮用水（18.9升）", "方便面", "压缩饼干", "自热米饭", "八宝粥"}},
	{"户外用品", 3, []string{"救灾单帐篷（12平方米）", "救灾单帐篷（36平方米）", "睡袋", "手电筒", "头灯", "折叠床", "行军床", "雨衣", "雨靴", "救生衣", "户外炉具"}},
	{"建材", 3, []string{"水泥", "钢管", "螺纹钢", "钢管扣件", "编织袋", "土工布", "防汛彩条布", "防汛木桩", "铅丝石笼网"}},
	{"五金机电", 3, []string{"柴油发电机组（30千瓦）", "便携式汽油发电机（5千瓦）", "潜水排污泵", "电力电缆", "机动链锯", "移动照明灯塔", "铁锹", "应急照明灯"}},
	{"医药", 2, []string{"医用外科口罩（50只装）", "医用防护服", "含氯消毒剂", "漂白粉", "急救包", "常用药品箱"}},
	{"家纺", 2, []string{"棉被", "毛毯", "棉大衣", "睡袋"}},
	{"工程机械租赁", 2, []string{"挖掘机", "装载机", "推土机", "汽车起重机", "自卸汽车"}},
	{"石化能源", 1, []string{"柴油"}},
}

// supermarket is the industry of the small agreement reserves in towns.
var supermarket = industry{"超市", 0, []string{"瓶装饮用水（550毫升×24瓶）", "方便面", "压缩饼干", "八宝粥", "手电筒", "蜡烛", "雨衣", "卫生纸"}}

func (g *gen) industry() industry {
	total := 0
	for _, in := range industries {
		total += in.weight
	}
	n := g.r.IntN(total)
	for _, in := range industries {
		if n -= in.weight; n < 0 {
			return in
		}
	}
	return industries[0]
}

// stockPlan says how a depot is stocked: how many item lines, and at what
// scale of the catalog's typical county quantity.
type stockPlan struct {
	tier     resources.Tier
	lines    int
	scale    float64
	county   county    // the tags of the county weigh the choice
	industry *industry // agreement reserves: the goods to hold
}

type depotGen struct {
	*gen
	depots []resources.Depot
	stock  []resources.StockLevel
}

// depots generates the depots of the province and their stock.
func (g *gen) depots(areas []*area) ([]resources.Depot, []resources.StockLevel) {
	dg := &depotGen{gen: g}
	hz := &zhejiang[0]
	dg.add(resources.Depot{
		Name: provinceName + "应急物资储备库", Tier: resources.Provincial, Reserve: resources.Physical,
		Location: g.near(120.29, 30.16, 2), Address: provinceName + hz.name + "萧山区" + g.street(),
		Region: provinceCode,
	}, stockPlan{tier: resources.Provincial, scale: 12})

	for _, a := range areas {
		c, k := a.city, a.county
		if k.code == c.counties[0].code {
			dg.municipal(c)
		}
		dg.add(resources.Depot{
			Name: k.name + "应急物资储备库", Tier: resources.County, Reserve: resources.Physical,
			Location: g.near(k.lon, k.lat, min(3, k.r)), Address: provinceName + c.name + k.name + g.street(), Region: k.code,
		}, stockPlan{tier: resources.County, lines: g.between(35, 48), scale: 1, county: k})
		if g.chance(0.5) {
			name := k.name + either(k.has('c'), "防汛防台物资仓库", "防汛物资仓库")
			if k.has('m') && g.chance(0.5) {
				name = k.name + "森林防灭火物资储备库"
			}
			dg.add(resources.Depot{
				Name: name, Tier: resources.County, Reserve: resources.Physical,
				Location: g.near(k.lon, k.lat, min(5, k.r)), Address: provinceName + c.name + k.name + g.street(), Region: k.code,
			}, stockPlan{tier: resources.County, lines: g.between(30, 40), scale: 0.8, county: k})
		}
		for _, t := range a.towns {
			base := provinceName + c.name + k.name + t.name
			dg.add(resources.Depot{
				Name: k.name + t.name + "应急物资储备点", Tier: resources.Township, Reserve: resources.Physical,
				Location: g.near(t.at.Lon, t.at.Lat, 0.5), Address: base + pick(g, []string{"人民政府院内", "综合文化站旁", "应急管理中心", g.street()}), Region: k.code,
			}, stockPlan{tier: resources.Township, lines: g.between(20, 30), scale: 0.2, county: k})
			villages := g.between(0, 3)
			if k.has('u') {
				villages = g.between(0, 2)
			}
			used := map[string]bool{}
			for range villages {
				v := g.place(used) + either(t.street, "社区", "村")
				dg.add(resources.Depot{
					Name: k.name + t.name + v + "应急物资储备点", Tier: resources.Township, Reserve: resources.Physical,
					Location: g.near(t.at.Lon, t.at.Lat, min(2, k.r/2)), Address: base + v + pick(g, either(t.street, []string{"居委会", "便民服务中心"}, []string{"村委会旁", "文化礼堂", "便民服务中心"})), Region: k.code,
				}, stockPlan{tier: resources.Township, lines: g.between(10, 16), scale: 0.08, county: k})
			}
		}
		for range g.between(4, 7) {
			in := g.industry()
			name := g.unique(func() string { return k.short() + pick(g, tradeNames) + in.name + "有限公司协议储备点" })
			dg.add(resources.Depot{
				Name: name, Tier: resources.County, Reserve: resources.Agreement,
				Location: g.near(k.lon, k.lat, min(6, k.r)), Address: provinceName + c.name + k.name + g.street(), Region: k.code,
			}, stockPlan{tier: resources.County, lines: g.between(3, 7), scale: 3, county: k, industry: &in})
		}
		for range g.between(1, 2) {
			t := pick(g, a.towns)
			name := g.unique(func() string { return k.name + t.name + pick(g, tradeNames) + "超市协议储备点" })
			dg.add(resources.Depot{
				Name: name, Tier: resources.Township, Reserve: resources.Agreement,
				Location: g.near(t.at.Lon, t.at.Lat, 0.5), Address: provinceName + c.name + k.name + t.name + g.street(), Region: k.code,
			}, stockPlan{tier: resources.Township, lines: g.between(3, 6), scale: 0.5, county: k, industry: &supermarket})
		}
	}
	return dg.depots, dg.stock
}

// municipal adds the city's own depots: one, two in the large cities, and
// three agreement reserves.
func (dg *depotGen) municipal(c *city) {
	k := c.seatCounty()
	at := func() geo.Point { return dg.near(c.lon, c.lat, min(6, k.r)) }
	addr := func() string { return provinceName + c.name + k.name + dg.street() }
	dg.add(resources.Depot{
		Name: c.name + "应急物资储备库", Tier: resources.Municipal, Reserve: resources.Physical,
		Location: at(), Address: addr(), Region: c.code,
	}, stockPlan{tier: resources.Municipal, lines: dg.between(60, 80), scale: 4, county: k})
	switch c.code {
	case "330100", "330200", "330300", "330700", "331000":
		dg.add(resources.Depot{
			Name: c.name + either(c.code == "330700", "防汛抗旱物资储备库", "防汛防台物资储备库"), Tier: resources.Municipal, Reserve: resources.Physical,
			Location: at(), Address: addr(), Region: c.code,
		}, stockPlan{tier: resources.Municipal, lines: dg.between(60, 70), scale: 3, county: k})
	}
	for range 3 {
		in := dg.industry()
		name := dg.unique(func() string { return c.short() + pick(dg.gen, tradeNames) + in.name + "有限公司协议储备点" })
		dg.add(resources.Depot{
			Name: name, Tier: resources.Municipal, Reserve: resources.Agreement,
			Location: at(), Address: addr(), Region: c.code,
		}, stockPlan{tier: resources.Municipal, lines: dg.between(4, 8), scale: 6, county: k, industry: &in})
	}
}

// add numbers the depot, gives it a manager and stocks it.
func (dg *depotGen) add(d resources.Depot, p stockPlan) {
	if d.Name == "" || !dg.claim(d.Name) {
		return // every name was taken: rare, and one depot fewer is fine
	}
	d.ID = fmt.Sprintf("depot-%05d", len(dg.depots)+1)
	d.Manager = resources.Contact{Name: dg.person(), Phone: dg.mobile()}
	dg.depots = append(dg.depots, d)

	codes := dg.choose(p)
	slices.Sort(codes)
	for _, code := range codes {
		e := catalog[byCode[code]]
		q := float64(e.base) * p.scale * (0.6 + 0.9*dg.r.Float64())
		if p.industry != nil && e.has('x') {
			q = float64(e.base) * float64(dg.between(1, 4))
		}
		dg.stock = append(dg.stock, resources.StockLevel{Depot: d.ID, Item: code, OnHand: nice(q)})
	}
}

// choose picks the items a depot holds. An agreement reserve holds some of
// its industry's goods. The provincial depot holds every material and most
// equipment. Other depots draw a weighted sample: townships mostly basic
// supplies, with forest-fire tools in the mountains and flood gear on the
// coast; counties and cities more of everything.
func (dg *depotGen) choose(p stockPlan) []string {
	if p.industry != nil {
		goods := slices.Clone(p.industry.goods)
		dg.r.Shuffle(len(goods), func(i, j int) { goods[i], goods[j] = goods[j], goods[i] })
		goods = goods[:min(len(goods), p.lines)]
		out := make([]string, len(goods))
		for i, n := range goods {
			out[i] = code(n)
		}
		return out
	}
	type keyed struct {
		code string
		key  float64
	}
	var ks []keyed
	for _, e := range catalog {
		w := weight(p, e.spec)
		if p.tier == resources.Provincial {
			if w > 0 && (e.kind == resources.Material || dg.chance(0.8)) {
				ks = append(ks, keyed{e.code, 0})
			}
			continue
		}
		if w > 0 {
			// Efraimidis-Spirakis: the n smallest keys are a weighted
			// sample without replacement.
			ks = append(ks, keyed{e.code, -math.Log(1-dg.r.Float64()) / w})
		}
	}
	if p.tier != resources.Provincial {
		slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
		ks = ks[:min(len(ks), p.lines)]
	}
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.code
	}
	return out
}

// weight is how likely a depot of the plan's tier is to hold the item; 0
// means never.
func weight(p stockPlan, s spec) float64 {
	if s.has('x') {
		return 0
	}
	mountain, coast := p.county.has('m'), p.county.has('c')
	switch p.tier {
	case resources.Township:
		switch {
		case s.has('v'):
			return 0
		case s.has('B'):
			return 12
		case s.has('b'):
			return 4
		case s.has('w'):
			return either(mountain, 3.0, 0)
		case s.has('f'):
			return either(coast, 1.5, 0.4)
		}
		return 0
	case resources.County:
		switch {
		case s.has('B'):
			return 10
		case s.has('b'):
			return 5
		case s.has('w'):
			return either(mountain, 4, 0.5)
		case s.has('f'):
			return either(coast, 5.0, 3)
		case s.has('v'):
			return 0.3
		case s.kind == resources.Material:
			return 2
		}
		return 1
	default:
		switch {
		case s.has('v'):
			return 1
		case s.has('B'), s.has('b'), s.has('f'):
			return 3
		}
		return 2
	}
}

// nice rounds a quantity the way stock counts usually look: whole tens above
// a thousand, hundreds above ten thousand, and at least one.
func nice(q float64) int64 {
	n := int64(math.Round(q))
	switch {
	case n >= 10000:
		n = n / 100 * 100
	case n >= 1000:
		n = n / 10 * 10
	}
	return max(n, 1)
}

// byCode finds a catalog entry by its code.
var byCode = func() map[string]int {
	m := make(map[string]int, len(catalog))
	for i, e := range catalog {
		m[e.code] = i
	}
	return m
}()
