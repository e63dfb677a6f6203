package demo

import (
	"fmt"
	"strings"

	"dispatchd/resources"
)

// spec is one item type of the catalog with what the generator needs to
// stock it: a typical quantity at a county depot and tags.
type spec struct {
	name, unit string
	kind       resources.ItemKind
	base       int64  // typical on-hand quantity at a county depot
	tags       string // B core township supply, b township supply, f flood, w forest fire, v vehicle, x never in a bureau depot
}

func (s spec) has(tag byte) bool { return strings.IndexByte(s.tags, tag) >= 0 }

// group is the third level of GB/T 38565-2020: class (1 digit), subclass (2)
// and group (2). Its items are numbered 01, 02, ... in order.
type group struct {
	code     string
	category string
	items    []spec
}

const (
	mat = resources.Material
	eqp = resources.Equipment
)

// groups is the item catalog. The codes follow the shape of GB/T 38565-2020
// (class 1 basic living supplies, 2 emergency equipment, 3 engineering
// materials and machinery); the subclass and group numbers are ours.
var groups = []group{
	// 1 生活保障类
	{"10101", "宿营保障物资", []spec{
		{"救灾单帐篷（12平方米）", "顶", mat, 150, "b"},
		{"救灾棉帐篷（12平方米）", "顶", mat, 100, ""},
		{"救灾单帐篷（36平方米）", "顶", mat, 40, ""},
		{"救灾棉帐篷（36平方米）", "顶", mat, 30, ""},
		{"充气帐篷（24平方米）", "顶", eqp, 6, ""},
	}},
	{"10102", "宿营保障物资", []spec{
		{"折叠床", "张", mat, 300, "b"},
		{"行军床", "张", mat, 150, ""},
	}},
	{"10103", "宿营保障物资", []spec{
		{"棉被", "床", mat, 500, "B"},
		{"毛毯", "条", mat, 400, "b"},
		{"睡袋", "个", mat, 300, "b"},
		{"棉大衣", "件", mat, 200, ""},
	}},
	{"10201", "饮食保障物资", []spec{
		{"瓶装饮用水（550毫升×24瓶）", "箱", mat, 600, "B"},
		{"桶装饮用水（18.9升）", "桶", mat, 200, "b"},
	}},
	{"10202", "饮食保障物资", []spec{
		{"方便面", "箱", mat, 500, "B"},
		{"压缩饼干", "箱", mat, 300, "b"},
		{"自热米饭", "箱", mat, 200, "b"},
		{"八宝粥", "箱", mat, 200, ""},
		{"大米（25公斤）", "袋", mat, 200, "b"},
		{"食用植物油（5升）", "桶", mat, 150, ""},
	}},
	{"10203", "饮食保障物资", []spec{
		{"户外炉具", "套", mat, 50, ""},
		{"一次性餐具", "箱", mat, 100, ""},
	}},
	{"10301", "生活用品", []spec{
		{"手电筒", "个", mat, 300, "B"},
		{"头灯", "个", mat, 150, "b"},
		{"应急照明灯", "盏", mat, 100, "b"},
		{"蜡烛", "包", mat, 200, "b"},
	}},
	{"10302", "生活用品", []spec{
		{"洗漱包", "套", mat, 300, ""},
		{"卫生纸", "提", mat, 300, ""},
	}},
	{"10303", "生活用品", []spec{
		{"雨衣", "件", mat, 400, "B"},
		{"雨靴", "双", mat, 300, "b"},
		{"家庭应急包", "个", mat, 200, "b"},
	}},
	{"10401", "卫生防疫物资", []spec{
		{"医用外科口罩（50只装）", "盒", mat, 500, "b"},
		{"医用防护服", "件", mat, 200, ""},
	}},
	{"10402", "卫生防疫物资", []spec{
		{"含氯消毒剂", "箱", mat, 100, "b"},
		{"漂白粉", "袋", mat, 100, ""},
	}},
	{"10403", "卫生防疫物资", []spec{
		{"急救包", "个", mat, 200, "b"},
		{"常用药品箱", "个", mat, 50, ""},
	}},

	// 2 应急装备类
	{"20101", "个体防护装备", []spec{
		{"救生衣", "件", eqp, 300, "B"},
		{"救生圈", "个", eqp, 100, "b"},
		{"水域救援抛绳包", "个", eqp, 30, "f"},
		{"干式救援服", "套", eqp, 20, "f"},
	}},
	{"20102", "个体防护装备", []spec{
		{"正压式空气呼吸器", "套", eqp, 20, ""},
		{"隔绝式正压氧气呼吸器", "台", eqp, 6, ""},
		{"过滤式防毒面具", "个", eqp, 100, ""},
	}},
	{"20103", "个体防护装备", []spec{
		{"重型防化服", "套", eqp, 10, ""},
		{"轻型防化服", "套", eqp, 30, ""},
		{"消防员灭火防护服", "套", eqp, 40, ""},
		{"森林防火服", "套", eqp, 60, "w"},
	}},
	{"20104", "个体防护装备", []spec{
		{"救援头盔", "顶", eqp, 100, ""},
	}},
	{"20201", "生命救援装备", []spec{
		{"雷达生命探测仪", "台", eqp, 2, ""},
		{"音视频生命探测仪", "台", eqp, 3, ""},
		{"红外热成像仪", "台", eqp, 3, ""},
	}},
	{"20202", "生命救援装备", []spec{
		{"液压破拆工具组", "套", eqp, 3, ""},
		{"电动破拆工具组", "套", eqp, 3, ""},
		{"无齿锯", "台", eqp, 4, ""},
		{"机动链锯", "台", eqp, 10, "w"},
		{"起重气垫", "套", eqp, 3, ""},
	}},
	{"20203", "生命救援装备", []spec{
		{"冲锋舟", "艘", eqp, 6, "f"},
		{"橡皮艇", "艘", eqp, 8, "f"},
		{"舷外挂机", "台", eqp, 6, "f"},
		{"水面救援机器人", "台", eqp, 2, "f"},
	}},
	{"20204", "生命救援装备", []spec{
		{"救援三脚架", "套", eqp, 2, ""},
		{"绳索救援装备组", "套", eqp, 4, ""},
	}},
	{"20205", "生命救援装备", []spec{
		{"救援直升机", "架", eqp, 1, "x"},
		{"多旋翼无人机", "架", eqp, 4, ""},
	}},
	{"20301", "医疗救护装备", []spec{
		{"折叠担架", "副", eqp, 30, "b"},
		{"铲式担架", "副", eqp, 10, ""},
		{"自动体外除颤器", "台", eqp, 4, ""},
		{"便携式呼吸机", "台", eqp, 3, ""},
		{"负压救护车", "辆", eqp, 1, "v"},
	}},
	{"20401", "消防灭火装备", []spec{
		{"手抬机动消防泵", "台", eqp, 4, ""},
		{"消防水带", "盘", eqp, 50, ""},
		{"多功能消防水枪", "支", eqp, 20, ""},
		{"干粉灭火器（4公斤）", "具", mat, 200, "b"},
	}},
	{"20402", "消防灭火装备", []spec{
		{"风力灭火机", "台", eqp, 30, "w"},
		{"背负式灭火水枪", "支", eqp, 50, "w"},
		{"森林消防水泵", "台", eqp, 6, "w"},
		{"二号工具", "把", eqp, 100, "w"},
	}},
	{"20501", "监测侦检装备", []spec{
		{"四合一气体检测仪", "台", eqp, 6, ""},
		{"有毒有害气体检测仪", "台", eqp, 4, ""},
		{"辐射检测仪", "台", eqp, 2, ""},
		{"边坡位移监测仪", "台", eqp, 3, ""},
	}},
	{"20601", "应急通信装备", []spec{
		{"卫星电话", "部", eqp, 10, ""},
		{"便携式卫星通信站", "套", eqp, 2, ""},
		{"数字对讲机", "部", eqp, 40, ""},
		{"应急通信指挥车", "辆", eqp, 1, "v"},
	}},
	{"20701", "电力照明装备", []spec{
		{"柴油发电机组（30千瓦）", "台", eqp, 6, ""},
		{"便携式汽油发电机（5千瓦）", "台", eqp, 15, "b"},
		{"移动照明灯塔", "台", eqp, 6, ""},
		{"应急电源车", "辆", eqp, 1, "v"},
	}},
	{"20801", "排涝抢险装备", []spec{
		{"潜水排污泵", "台", eqp, 20, "bf"},
		{"大流量排水抢险车", "辆", eqp, 1, "vf"},
		{"移动泵站", "套", eqp, 2, "f"},
		{"排水软管", "米", mat, 1000, "f"},
	}},
	{"20901", "后勤保障装备", []spec{
		{"应急净水设备", "台", eqp, 3, ""},
		{"野战炊事车", "辆", eqp, 1, "v"},
		{"移动厕所", "座", eqp, 10, ""},
	}},

	// 3 工程材料与机械类
	{"30101", "防汛抢险物资", []spec{
		{"编织袋", "条", mat, 20000, "Bf"},
		{"麻袋", "条", mat, 5000, "bf"},
		{"吸水膨胀袋", "条", mat, 2000, "bf"},
	}},
	{"30102", "防汛抢险物资", []spec{
		{"土工布", "平方米", mat, 10000, "f"},
		{"防汛彩条布", "平方米", mat, 5000, "bf"},
	}},
	{"30103", "防汛抢险物资", []spec{
		{"铅丝石笼网", "个", mat, 300, "f"},
		{"防汛木桩", "根", mat, 2000, "bf"},
		{"铁锹", "把", mat, 300, "B"},
	}},
	{"30201", "抢修建材", []spec{
		{"钢管", "吨", mat, 50, ""},
		{"螺纹钢", "吨", mat, 40, ""},
		{"钢管扣件", "个", mat, 5000, ""},
		{"水泥", "吨", mat, 100, ""},
	}},
	{"30301", "工程机械", []spec{
		{"挖掘机", "台", eqp, 2, "x"},
		{"装载机", "台", eqp, 2, "x"},
		{"推土机", "台", eqp, 1, "x"},
		{"汽车起重机", "台", eqp, 1, "x"},
		{"自卸汽车", "辆", eqp, 3, "x"},
	}},
	{"30401", "电力抢修物资", []spec{
		{"电力电缆", "米", mat, 5000, ""},
		{"水泥电杆", "根", mat, 100, ""},
	}},
	{"30501", "能源燃料", []spec{
		{"柴油", "吨", mat, 20, ""},
	}},
}

// entry is a catalog item with its code.
type entry struct {
	code string
	spec
}

// catalog lists every item in code order; byName finds one by its name.
var catalog, byName = buildCatalog()

func buildCatalog() ([]entry, map[string]int) {
	var out []entry
	idx := map[string]int{}
	for _, g := range groups {
		for i, s := range g.items {
			idx[s.name] = len(out)
			out = append(out, entry{code: fmt.Sprintf("%s%02d", g.code, i+1), spec: s})
		}
	}
	return out, idx
}

// code returns the code of the named item. The names are fixed in this
// package, so an unknown one is a bug here, found by any test.
func code(name string) string {
	i, ok := byName[name]
	if !ok {
		panic("demo: no item named " + name)
	}
	return catalog[i].code
}

// categoryOf returns the category of the group an item code belongs to.
func categoryOf(code string) string {
	for _, g := range groups {
		if strings.HasPrefix(code, g.code) {
			return g.category
		}
	}
	return ""
}

func items() []resources.Item {
	out := make([]resources.Item, len(catalog))
	for i, e := range catalog {
		out[i] = resources.Item{Code: e.code, Name: e.name, Kind: e.kind, Unit: e.unit, Category: categoryOf(e.code)}
	}
	return out
}
