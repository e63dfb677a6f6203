package zones

import (
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Index finds the zones a point lies in. It holds zones by the grid cells
// their bounding boxes cover, a zone too large for the grid in a short
// list of its own, so that a lookup reads one cell and tests a few
// polygons. An Index is immutable once built and safe for concurrent use;
// a new set of zones is a new Index.
type Index struct {
	cell  float64 // degrees
	cells map[[2]int32][]entry
	large []entry
	all   []*Zone
}

// entry is a zone with its bounding box, computed once.
type entry struct {
	z *Zone
	b orb.Bound
}

// maxCells is the most grid cells one zone may occupy; a larger one goes
// to the list of large zones, which every lookup scans by bounding box.
const maxCells = 256

// NewIndex indexes zones. The cell edge follows the zones' median size,
// between about 1 and 50 km.
func NewIndex(zs []Zone) *Index {
	x := &Index{cells: map[[2]int32][]entry{}, all: make([]*Zone, len(zs))}
	sides := make([]float64, 0, len(zs))
	for i := range zs {
		z := &zs[i]
		x.all[i] = z
		if z.Geometry != nil {
			b := z.Geometry.Bound()
			sides = append(sides, math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]))
		}
	}
	x.cell = cellFor(sides)
	for _, z := range x.all {
		if z.Geometry == nil {
			continue
		}
		e := entry{z, z.Geometry.Bound()}
		i0, j0 := x.key(e.b.Min)
		i1, j1 := x.key(e.b.Max)
		if (int64(i1)-int64(i0)+1)*(int64(j1)-int64(j0)+1) > maxCells {
			x.large = append(x.large, e)
			continue
		}
		for i := i0; i <= i1; i++ {
			for j := j0; j <= j1; j++ {
				k := [2]int32{i, j}
				x.cells[k] = append(x.cells[k], e)
			}
		}
	}
	return x
}

// cellFor picks the cell edge in degrees: twice the median side of the
// zones' bounding boxes, clamped to 0.01° .. 0.5°.
func cellFor(sides []float64) float64 {
	if len(sides) == 0 {
		return 0.1
	}
	// A selection of the median without sorting the caller's data.
	s := append([]float64(nil), sides...)
	m := quickselect(s, len(s)/2)
	return math.Min(0.5, math.Max(0.01, 2*m))
}

func quickselect(s []float64, k int) float64 {
	lo, hi := 0, len(s)-1
	for lo < hi {
		p := s[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for s[i] < p {
				i++
			}
			for s[j] > p {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return s[k]
		}
	}
	return s[k]
}

func (x *Index) key(p orb.Point) (int32, int32) {
	return int32(math.Floor(p[0] / x.cell)), int32(math.Floor(p[1] / x.cell))
}

// Len is how many zones the index holds, in force or not.
func (x *Index) Len() int {
	if x == nil {
		return 0
	}
	return len(x.all)
}

// Zones returns the indexed zones in the order given to NewIndex. The
// caller must not change them.
func (x *Index) Zones() []*Zone {
	if x == nil {
		return nil
	}
	return x.all
}

// Find calls fn for each zone in force at t that contains p ([lon, lat],
// WGS-84), until fn returns false. A nil Index holds no zones.
func (x *Index) Find(p orb.Point, t time.Time, fn func(*Zone) bool) {
	if x == nil || len(x.all) == 0 {
		return
	}
	i, j := x.key(p)
	for _, es := range [2][]entry{x.cells[[2]int32{i, j}], x.large} {
		for _, e := range es {
			if e.b.Contains(p) && e.z.ValidAt(t) && e.z.Contains(p) && !fn(e.z) {
				return
			}
		}
	}
}

// In returns the most serious level of the zones of hazard (any hazard
// when empty) in force at t that contain p, and one such zone; "" and nil
// when there is none.
func (x *Index) In(p orb.Point, t time.Time, hazard string) (string, *Zone) {
	var best *Zone
	rank := len(Levels)
	x.Find(p, t, func(z *Zone) bool {
		if hazard != "" && z.Hazard != hazard {
			return true
		}
		if r := levelRank(z.Level); r < rank {
			rank, best = r, z
		}
		return rank > 0
	})
	if best == nil {
		return "", nil
	}
	return best.Level, best
}

// levelRank is a level's place in Levels, most serious 0; len(Levels)
// for an unknown level.
func levelRank(l string) int {
	for i, v := range Levels {
		if v == l {
			return i
		}
	}
	return len(Levels)
}
