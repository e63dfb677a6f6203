package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"dispatchd/geo"
)

// gen draws everything random from one seeded source, so that Province
// returns the same data on every call.
type gen struct {
	r      *rand.Rand
	phones map[string]bool
	names  map[string]bool // depot and team names handed out
}

func newGen() *gen {
	return &gen{
		r:      rand.New(rand.NewPCG(2026, 1123)),
		phones: map[string]bool{},
		names:  map[string]bool{},
	}
}

// between returns an int in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

var surnames = []rune("王陈张李吴徐周金朱黄胡林杨沈叶蒋郑孙方潘钱俞章应楼何邵傅赵毛汪施谢许郭马罗梁宋唐韩冯董袁程蔡姚陆范丁魏吕卢余洪屠柴葛虞翁严夏鲍")

var given = []rune("伟军华明强平杰斌勇磊涛峰超鹏俊浩宇晨建国志海永文晓林红丽芳敏静燕娟霞英萍玲婷雪琳洁慧佳颖倩亮辉刚荣新春东波锋健飞凯彬博立德忠良兴成益森炜骏昊越嘉秀美宏坚")

// person returns an invented Chinese name of two or three characters.
func (g *gen) person() string {
	var b strings.Builder
	b.WriteRune(pick(g, surnames))
	b.WriteRune(pick(g, given))
	if g.chance(0.7) {
		b.WriteRune(pick(g, given))
	}
	return b.String()
}

var mobilePrefixes = []string{
	"130", "131", "132", "133", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "185", "186", "187", "188", "189",
}

// mobile returns an invented, unused 11-digit mobile number.
func (g *gen) mobile() string {
	for {
		p := fmt.Sprintf("%s%08d", pick(g, mobilePrefixes), g.r.IntN(100_000_000))
		if !g.phones[p] {
			g.phones[p] = true
			return p
		}
	}
}

// landline returns an invented, unused 8-digit number in the area, such as
// 0571-86123456.
func (g *gen) landline(area string) string {
	for {
		p := fmt.Sprintf("%s-8%07d", area, g.r.IntN(10_000_000))
		if !g.phones[p] {
			g.phones[p] = true
			return p
		}
	}
}

// near returns a point uniformly spread within km of (lon, lat), rounded to
// six decimals (about 0.1 m).
func (g *gen) near(lon, lat, km float64) geo.Point {
	d := km * math.Sqrt(g.r.Float64())
	a := 2 * math.Pi * g.r.Float64()
	dlat := d * math.Sin(a) / 110.574
	dlon := d * math.Cos(a) / (111.320 * math.Cos(lat*math.Pi/180))
	return geo.Point{Lon: round6(lon + dlon), Lat: round6(lat + dlat)}
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// unique returns the first name that mk returns which was not handed out
// before, trying up to 50 times, and "" when all were taken. The caller
// claims it.
func (g *gen) unique(mk func() string) string {
	for range 50 {
		if n := mk(); !g.names[n] {
			return n
		}
	}
	return ""
}

// claim marks a fixed name as handed out and reports whether it was free.
func (g *gen) claim(name string) bool {
	if g.names[name] {
		return false
	}
	g.names[name] = true
	return true
}

var roads = []string{
	"人民路", "解放路", "中山路", "建设路", "文化路", "新华路", "环城东路", "环城西路",
	"环城南路", "环城北路", "江滨路", "工业路", "开发路", "迎宾大道", "振兴路", "胜利路",
	"朝阳路", "青年路", "健康路", "东风路", "城北路", "城东路", "创业大道", "科技大道",
	"滨江路", "湖滨路", "府前路", "站前路", "体育路", "学院路", "通港路", "长安路",
}

// street returns a road and number, such as 人民路128号.
func (g *gen) street() string {
	return fmt.Sprintf("%s%d号", pick(g, roads), g.between(1, 688))
}

// Parts of invented township and village names, which in Zhejiang often end
// in 塘, 溪, 岙, 坑 or 畈.
var (
	placeHead = []rune("东西南北新大小上下石白黄青金长高龙梅竹桃杨花双三马云清安永和平太福柳枫桐松兰凤横古仙前后里沙洪章")
	placeTail = []rune("塘溪桥山岭坑岙湾浦港埠口头田坪源畈洋墩林庄岩门渡阳亭关坞堰市店")
)

// place returns a two-character place name not in used, and records it.
func (g *gen) place(used map[string]bool) string {
	for {
		h, t := pick(g, placeHead), pick(g, placeTail)
		if h == t {
			continue
		}
		n := string([]rune{h, t})
		if !used[n] {
			used[n] = true
			return n
		}
	}
}

// tradeNames are the trade names (字号) of invented suppliers.
var tradeNames = []string{
	"恒丰", "宏达", "永信", "华越", "瑞丰", "金诚", "鑫源", "天成", "浙润", "嘉禾",
	"东泰", "海联", "安盛", "博远", "众鑫", "信达", "万和", "兴旺", "之江", "钱塘",
	"瓯越", "明州", "越秀", "振华", "国泰", "德盛", "汇通", "合力", "恒通", "诚信",
	"丰源", "顺达", "联创", "宏盛", "瑞祥", "佳禾", "新华", "卓越", "锦程", "同舟",
}
