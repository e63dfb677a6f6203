package realtime

import (
	"time"

	"dispatchd"
)

// MaxBatch is the most positions one request may carry.
const MaxBatch = 1000

// Rejected says why one position of a batch was not taken.
type Rejected struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// Result is what a batch of positions came to.
type Result struct {
	Accepted int        `json:"accepted"`
	Rejected []Rejected `json:"rejected"`
}

// The reasons a position is refused before the filter.
const (
	RefuseOtherTeam = "other_team" // a tracker or team lead may report only its own team
)

// Ingest takes positions from trackers and commanders, drops the bad ones
// through the filter, and hands each batch on: the fixes that are their
// team's newest to the live view (the bus), and every accepted fix, late
// ones included, to the history.
type Ingest struct {
	filter *Filter
	known  func(team string) bool
	region func(team string) (string, bool)
	out    func(live, accepted []Position)
	now    func() time.Time
}

// NewIngest returns an ingest that checks teams with known and passes each
// batch's live and accepted fixes to out, which must not block.
func NewIngest(f *Filter, known func(team string) bool, out func(live, accepted []Position)) *Ingest {
	return &Ingest{filter: f, known: known, out: out, now: func() time.Time { return time.Now().UTC() }}
}

// SetTeamRegion tells the ingest each team's region: a commander or an
// admin with a jurisdiction reports only for the teams within it, and a
// position for any other is refused as one for an unknown team. Without
// it such an actor reports for none. Call it before the ingest is used.
func (in *Ingest) SetTeamRegion(region func(team string) (string, bool)) { in.region = region }

// Filter returns the ingest's filter, for its counts.
func (in *Ingest) Filter() *Filter { return in.filter }

// Accept takes a batch from an actor. A tracker or team lead reports for its own team
// (a position that names no team is its team's); the command center may
// report for any team of its jurisdiction.
func (in *Ingest) Accept(actor dispatchd.Actor, ps []Position) Result {
	res := Result{Rejected: []Rejected{}}
	now := in.now()
	var live, accepted []Position
	for i := range ps {
		p := ps[i]
		if actor.Is(dispatchd.RoleTracker, dispatchd.RoleTeamLead) {
			if p.Team == "" {
				p.Team = actor.Team
			}
			if p.Team != actor.Team {
				in.filter.Count(RefuseOtherTeam)
				res.Rejected = append(res.Rejected, Rejected{i, RefuseOtherTeam})
				continue
			}
		}
		if p.Team == "" || !in.known(p.Team) || !in.covers(actor, p.Team) {
			in.filter.Count(DropUnknown)
			res.Rejected = append(res.Rejected, Rejected{i, DropUnknown})
			continue
		}
		isLive, reason := in.filter.Check(&p, now)
		if reason != "" {
			res.Rejected = append(res.Rejected, Rejected{i, reason})
			continue
		}
		res.Accepted++
		accepted = append(accepted, p)
		if isLive {
			live = append(live, p)
		}
	}
	if len(accepted) > 0 {
		in.out(live, accepted)
	}
	return res
}

// covers reports whether the actor may report for the team: a tracker or
// team lead is bound to its own team already; anyone else needs the team
// within its jurisdiction.
func (in *Ingest) covers(actor dispatchd.Actor, team string) bool {
	if actor.Jurisdiction == "" || actor.Is(dispatchd.RoleTracker, dispatchd.RoleTeamLead) {
		return true
	}
	if in.region == nil {
		return false
	}
	r, _ := in.region(team)
	return actor.Covers(r)
}
