package resources

import (
	"dispatchd"
)

// Jurisdictions (属地为主): every list, read and change of a team, a depot or
// a depot's stock is limited to the actor's jurisdiction, the subtree of
// its region code (Actor.Covers). A team or depot outside it is not found,
// exactly as an unknown id; a region outside it is refused as a field
// error. Besides, a team lead always sees its own team and a depot manager
// its own depots, and a depot manager sees the stock of its own depots
// only.

// outsideJurisdiction is the message of a region the actor does not cover.
const outsideJurisdiction = "outside your jurisdiction"

func teamNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "team %s not found", id)
}

func depotNotFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "depot %s not found", id)
}

// seesTeam reports whether the actor may see the team.
func seesTeam(actor dispatchd.Actor, t *Team) bool {
	return actor.Covers(t.Region) || actor.Team != "" && actor.Team == t.ID
}

// seesDepot reports whether the actor may see the depot.
func seesDepot(actor dispatchd.Actor, d *Depot) bool {
	return actor.Covers(d.Region) || actor.ManagesDepot(d.ID)
}

// claimRegion checks the region of a new team or depot, trimmed already:
// it must lie within the actor's jurisdiction. An actor of a county that
// names none gets its county; above a county (a city, the province) the
// region must be named, and below it (a township) no team or depot can be
// created, since they belong to counties. It returns the message of the
// field error, "" when the region is fine.
func claimRegion(actor dispatchd.Actor, region *string) string {
	if actor.Jurisdiction == "" {
		return ""
	}
	if *region == "" {
		if len(dispatchd.RegionPrefix(actor.Jurisdiction)) != 6 {
			return "is required: name the county, within your jurisdiction"
		}
		*region = actor.Jurisdiction
	}
	if !actor.Covers(*region) {
		return outsideJurisdiction
	}
	return ""
}

func regionError(msg string) error {
	return dispatchd.Invalid(dispatchd.FieldError{Field: "region", Message: msg})
}
