package demo

import (
	"strings"

	"dispatchd/regions"
)

// city is a prefecture-level city of Zhejiang with its counties and districts.
type city struct {
	code     string // GB/T 2260
	name     string
	area     string // telephone area code
	lon, lat float64
	seat     string // the district the city government sits in
	counties []county
}

// county is a county, county-level city or district. Its point is the county
// seat, moved inland a little where the seat is on the coast, so that points
// spread around it stay on land.
type county struct {
	code     string
	name     string
	lon, lat float64
	r        float64 // km around the point within which depots are spread
	tags     string  // u urban core, m mountains and forest, c coast or large water, h chemical industry, k mines
}

func (c county) has(tag byte) bool { return strings.IndexByte(c.tags, tag) >= 0 }

// district reports whether c is a city district (区), whose subdivisions are
// mostly streets (街道) rather than towns.
func (c county) district() bool { return strings.HasSuffix(c.name, "区") }

// short is the name without its 区, 县 or 市, as used inside longer names:
// 西湖区 gives 西湖, 景宁畲族自治县 gives 景宁.
func (c county) short() string {
	if s, ok := strings.CutSuffix(c.name, "畲族自治县"); ok {
		return s
	}
	for _, suf := range []string{"区", "县", "市"} {
		if s, ok := strings.CutSuffix(c.name, suf); ok {
			return s
		}
	}
	return c.name
}

// The province. Coordinates are WGS-84, approximate (to about a kilometre).
const (
	provinceCode = "330000"
	provinceName = "浙江省"
)

var zhejiang = []city{
	{code: "330100", name: "杭州市", area: "0571", lon: 120.155, lat: 30.274, seat: "330102", counties: []county{
		{"330102", "上城区", 120.171, 30.250, 4, "u"},
		{"330105", "拱墅区", 120.142, 30.319, 4, "u"},
		{"330106", "西湖区", 120.130, 30.259, 5, "um"},
		{"330108", "滨江区", 120.212, 30.208, 3, "u"},
		{"330109", "萧山区", 120.264, 30.184, 10, "hc"},
		{"330110", "余杭区", 119.990, 30.290, 9, "m"},
		{"330111", "富阳区", 119.960, 30.049, 12, "m"},
		{"330112", "临安区", 119.724, 30.234, 15, "mk"},
		{"330113", "临平区", 120.299, 30.419, 6, ""},
		{"330114", "钱塘区", 120.390, 30.300, 6, "hc"},
		{"330122", "桐庐县", 119.691, 29.793, 14, "m"},
		{"330127", "淳安县", 119.042, 29.609, 16, "mc"},
		{"330182", "建德市", 119.281, 29.475, 15, "mk"},
	}},
	{code: "330200", name: "宁波市", area: "0574", lon: 121.550, lat: 29.874, seat: "330212", counties: []county{
		{"330203", "海曙区", 121.551, 29.860, 5, "u"},
		{"330205", "江北区", 121.555, 29.887, 5, "u"},
		{"330206", "北仑区", 121.830, 29.890, 6, "hc"},
		{"330211", "镇海区", 121.700, 29.950, 5, "hc"},
		{"330212", "鄞州区", 121.547, 29.817, 8, "u"},
		{"330213", "奉化区", 121.407, 29.655, 10, "m"},
		{"330225", "象山县", 121.860, 29.476, 6, "c"},
		{"330226", "宁海县", 121.420, 29.290, 11, "mc"},
		{"330281", "余姚市", 121.154, 30.038, 12, "m"},
		{"330282", "慈溪市", 121.266, 30.170, 9, "h"},
	}},
	{code: "330300", name: "温州市", area: "0577", lon: 120.699, lat: 27.994, seat: "330302", counties: []county{
		{"330302", "鹿城区", 120.655, 28.015, 5, "u"},
		{"330303", "龙湾区", 120.790, 27.935, 4, "hc"},
		{"330304", "瓯海区", 120.614, 27.967, 6, "u"},
		{"330305", "洞头区", 121.157, 27.836, 2, "c"},
		{"330324", "永嘉县", 120.692, 28.153, 14, "m"},
		{"330326", "平阳县", 120.565, 27.662, 10, "mc"},
		{"330327", "苍南县", 120.426, 27.518, 8, "mc"},
		{"330328", "文成县", 120.091, 27.787, 10, "m"},
		{"330329", "泰顺县", 119.717, 27.557, 10, "m"},
		{"330381", "瑞安市", 120.640, 27.780, 9, "c"},
		{"330382", "乐清市", 120.970, 28.120, 8, "c"},
		{"330383", "龙港市", 120.553, 27.578, 4, "c"},
	}},
	{code: "330400", name: "嘉兴市", area: "0573", lon: 120.755, lat: 30.746, seat: "330402", counties: []county{
		{"330402", "南湖区", 120.783, 30.748, 5, "u"},
		{"330411", "秀洲区", 120.710, 30.765, 6, ""},
		{"330421", "嘉善县", 120.926, 30.830, 7, ""},
		{"330424", "海盐县", 120.930, 30.530, 5, "c"},
		{"330481", "海宁市", 120.681, 30.511, 8, ""},
		{"330482", "平湖市", 121.015, 30.677, 7, "hc"},
		{"330483", "桐乡市", 120.565, 30.630, 8, ""},
	}},
	{code: "330500", name: "湖州市", area: "0572", lon: 120.088, lat: 30.894, seat: "330502", counties: []county{
		{"330502", "吴兴区", 120.185, 30.857, 6, "u"},
		{"330503", "南浔区", 120.418, 30.850, 7, ""},
		{"330521", "德清县", 119.977, 30.543, 9, "m"},
		{"330522", "长兴县", 119.911, 31.010, 8, "mk"},
		{"330523", "安吉县", 119.680, 30.638, 12, "m"},
	}},
	{code: "330600", name: "绍兴市", area: "0575", lon: 120.580, lat: 30.030, seat: "330602", counties: []county{
		{"330602", "越城区", 120.582, 29.989, 5, "u"},
		{"330603", "柯桥区", 120.495, 30.082, 8, "h"},
		{"330604", "上虞区", 120.868, 30.033, 8, "h"},
		{"330624", "新昌县", 120.904, 29.500, 10, "m"},
		{"330681", "诸暨市", 120.246, 29.709, 12, "m"},
		{"330683", "嵊州市", 120.831, 29.561, 12, "m"},
	}},
	{code: "330700", name: "金华市", area: "0579", lon: 119.647, lat: 29.079, seat: "330702", counties: []county{
		{"330702", "婺城区", 119.571, 29.087, 8, "um"},
		{"330703", "金东区", 119.693, 29.100, 7, ""},
		{"330723", "武义县", 119.817, 28.893, 10, "mk"},
		{"330726", "浦江县", 119.892, 29.453, 8, "m"},
		{"330727", "磐安县", 120.450, 29.054, 10, "m"},
		{"330781", "兰溪市", 119.460, 29.208, 10, "m"},
		{"330782", "义乌市", 120.075, 29.306, 10, ""},
		{"330783", "东阳市", 120.242, 29.290, 10, "m"},
		{"330784", "永康市", 120.047, 28.888, 8, ""},
	}},
	{code: "330800", name: "衢州市", area: "0570", lon: 118.859, lat: 28.970, seat: "330802", counties: []county{
		{"330802", "柯城区", 118.871, 28.968, 6, "uh"},
		{"330803", "衢江区", 118.959, 28.980, 10, "hk"},
		{"330822", "常山县", 118.511, 28.902, 10, "mk"},
		{"330824", "开化县", 118.415, 29.137, 12, "m"},
		{"330825", "龙游县", 119.172, 29.028, 10, "m"},
		{"330881", "江山市", 118.627, 28.737, 12, "mk"},
	}},
	{code: "330900", name: "舟山市", area: "0580", lon: 122.207, lat: 29.985, seat: "330902", counties: []county{
		{"330902", "定海区", 122.100, 30.040, 4, "c"},
		{"330903", "普陀区", 122.280, 29.970, 3, "c"},
		{"330921", "岱山县", 122.180, 30.260, 3, "c"},
		{"330922", "嵊泗县", 122.455, 30.727, 1.5, "c"},
	}},
	{code: "331000", name: "台州市", area: "0576", lon: 121.421, lat: 28.656, seat: "331002", counties: []county{
		{"331002", "椒江区", 121.430, 28.673, 5, "hc"},
		{"331003", "黄岩区", 121.262, 28.647, 8, "m"},
		{"331004", "路桥区", 121.365, 28.582, 6, ""},
		{"331022", "三门县", 121.376, 29.105, 8, "c"},
		{"331023", "天台县", 121.007, 29.142, 10, "m"},
		{"331024", "仙居县", 120.729, 28.847, 12, "m"},
		{"331081", "温岭市", 121.370, 28.372, 8, "c"},
		{"331082", "临海市", 121.145, 28.858, 12, "mh"},
		{"331083", "玉环市", 121.232, 28.136, 3, "c"},
	}},
	{code: "331100", name: "丽水市", area: "0578", lon: 119.923, lat: 28.468, seat: "331102", counties: []county{
		{"331102", "莲都区", 119.912, 28.446, 8, "um"},
		{"331121", "青田县", 120.290, 28.139, 10, "m"},
		{"331122", "缙云县", 120.091, 28.659, 10, "m"},
		{"331123", "遂昌县", 119.276, 28.592, 12, "mk"},
		{"331124", "松阳县", 119.482, 28.449, 10, "m"},
		{"331125", "云和县", 119.573, 28.116, 8, "m"},
		{"331126", "庆元县", 119.063, 27.619, 10, "m"},
		{"331127", "景宁畲族自治县", 119.635, 27.973, 10, "m"},
		{"331181", "龙泉市", 119.142, 28.075, 12, "m"},
	}},
}

// seatCounty returns the county the city government sits in.
func (c *city) seatCounty() county {
	for _, k := range c.counties {
		if k.code == c.seat {
			return k
		}
	}
	return c.counties[0]
}

// short is the city name without 市.
func (c *city) short() string { return strings.TrimSuffix(c.name, "市") }

// Regions returns the region tree of the province: Zhejiang, its 11 cities
// and their counties and districts, as rows of a code list. Their outlines
// are Outlines' approximations.
func Regions() []regions.CodeRow {
	out := []regions.CodeRow{{Line: 1, Code: provinceCode, Name: provinceName}}
	for _, c := range zhejiang {
		out = append(out, regions.CodeRow{Line: len(out) + 1, Code: c.code, Name: c.name})
		for _, k := range c.counties {
			out = append(out, regions.CodeRow{Line: len(out) + 1, Code: k.code, Name: k.name})
		}
	}
	return out
}
