package plan

import (
	"strings"

	"dispatchd"
)

// Own first (属地优先): a plan is made for a jurisdiction. Its own teams
// and depots, those whose region lies in its subtree, are planned first;
// what they cannot meet (none, too few, or too late for the deadline) is
// offered from outside, marked as needing support. The whole deployment
// owns everything, so its plan is ranked by ETA alone.

// ownership tells a jurisdiction's own resources from the others.
type ownership struct {
	// prefix is the jurisdiction's region prefix; all is set for the whole
	// deployment.
	prefix string
	all    bool
}

func ownershipOf(jurisdiction string) ownership {
	p := dispatchd.RegionPrefix(jurisdiction)
	return ownership{prefix: p, all: p == ""}
}

// owns reports whether a resource of region is the jurisdiction's own, as
// dispatchd.InRegion does.
func (o ownership) owns(region string) bool {
	return o.all || region != "" && strings.HasPrefix(region, o.prefix)
}

// split returns how many of the total indexed resources of key the
// jurisdiction owns and how many it does not, from the counts kept by
// region prefix. For a prefix of a length no region is counted by, both
// are total: the search then runs until the streams end, which is slower,
// not wrong.
func (o ownership) split(m map[scopeKey]int, key string, total int) (own, outside int) {
	switch {
	case o.all:
		return total, 0
	case !countedLen(len(o.prefix)):
		return total, total
	}
	n := m[scopeKey{key, o.prefix}]
	return n, total - n
}

// scopeKey keys the counts of indexed resources: a capability or an item,
// and a region prefix.
type scopeKey struct{ key, prefix string }

// prefixLens are the lengths of the region prefixes a jurisdiction can
// have (dispatchd.RegionPrefix): province, city, county, township.
var prefixLens = [...]int{2, 4, 6, 9}

func countedLen(n int) bool {
	for _, l := range prefixLens {
		if l == n {
			return true
		}
	}
	return false
}

// addScoped adds d to the counts of key under every prefix of region, so
// that the count of a jurisdiction is one lookup.
func addScoped(m map[scopeKey]int, key, region string, d int) {
	for _, l := range prefixLens {
		if l > len(region) {
			return
		}
		k := scopeKey{key, region[:l]}
		if n := m[k] + d; n == 0 {
			delete(m, k)
		} else {
			m[k] = n
		}
	}
}

// ownerOf is the owner written on a pick or line: the resource's region,
// a township narrowed to its county.
func ownerOf(region string) string {
	if len(region) == 9 {
		return region[:6]
	}
	return region
}
