package fence

import "time"

// DefaultDwell is how long fixes must stay on one side before a unit
// counts as arrived or gone.
const DefaultDwell = 60 * time.Second

// Change is what a fix confirmed.
type Change int8

// The changes a fix may confirm.
const (
	NoChange Change = iota
	// Arrived: the unit's fixes stayed inside for the dwell.
	Arrived
	// Left: after arriving, its fixes stayed outside for the dwell.
	Left
)

// String names the change.
func (c Change) String() string {
	switch c {
	case Arrived:
		return "arrived"
	case Left:
		return "left"
	}
	return "none"
}

// State is where one unit stands with respect to one fence, from its fixes
// in device time. The zero value has seen nothing and is outside. It is a
// plain value: Step returns the next state and leaves the old one as it
// was, so that a caller who cannot pass a change on yet may keep the old
// state and see the change again at the next fix.
type State struct {
	// In is whether the unit arrived and has not left since.
	In bool
	// Since is the time of the first fix of the run of fixes on the side
	// opposite In (inside while out, outside while in) not yet long
	// enough to count; zero when there is no such run.
	Since time.Time
	// Last is the device time of the newest fix taken.
	Last time.Time
}

// Step takes one fix at device time ts on side s and returns the next
// state, the change it confirms, and when that change happened: the first
// fix of the run that lasted the dwell (the unit arrived when it first
// stood inside, not a minute later). A fix no newer than the last one is
// ignored (out of order); a fix in the band neither starts nor breaks a
// run.
func (st State) Step(s Side, ts time.Time, dwell time.Duration) (State, Change, time.Time) {
	if !ts.After(st.Last) {
		return st, NoChange, time.Time{}
	}
	st.Last = ts
	toward := Inside // the side that would change In
	if st.In {
		toward = Outside
	}
	switch s {
	case Band:
		return st, NoChange, time.Time{}
	case toward:
		if st.Since.IsZero() {
			st.Since = ts
		}
		if ts.Sub(st.Since) < dwell {
			return st, NoChange, time.Time{}
		}
		at := st.Since
		st.In, st.Since = !st.In, time.Time{}
		if st.In {
			return st, Arrived, at
		}
		return st, Left, at
	default: // back on the side it stands on: the run is broken
		st.Since = time.Time{}
		return st, NoChange, time.Time{}
	}
}
