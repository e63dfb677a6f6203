package dispatchd

import (
	"context"
	"slices"
)

// Role is what a user may do. A team lead and a tracker are bound to a team, a
// depot manager to depots.
type Role string

// The roles of DESIGN.md.
const (
	RoleAdmin        Role = "admin"
	RoleCommander    Role = "commander"
	RoleViewer       Role = "viewer"
	RoleTeamLead     Role = "team_lead"
	RoleDepotManager Role = "depot_manager"
	RoleTracker      Role = "tracker"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleCommander, RoleViewer, RoleTeamLead, RoleDepotManager, RoleTracker}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Actor is who makes a request: a user, a tracker, or the system itself.
type Actor struct {
	UserID   string
	Username string
	Role     Role
	Team     string
	Depots   []string
	// Jurisdiction is the region code the actor answers for; "" is the
	// whole deployment.
	Jurisdiction string
	// Desk is the headquarters of a commander or viewer; Types the
	// incident types it works, nil for every type (resolved from the
	// deployment's Desks when the actor is made).
	Desk  string
	Types []string
}

// Scope returns what the actor may see: its jurisdiction's subtree and its
// desk's incident types.
func (a Actor) Scope() Scope {
	return Scope{Prefix: RegionPrefix(a.Jurisdiction), Types: a.Types}
}

// Covers reports whether region lies within the actor's jurisdiction.
func (a Actor) Covers(region string) bool { return InRegion(a.Jurisdiction, region) }

// System is the actor for changes the server makes by itself (seeding,
// escalation, migrations).
var System = Actor{Username: "system", Role: RoleAdmin}

// Name is how the actor is written in events and logs.
func (a Actor) Name() string {
	if a.Username == "" {
		return "anonymous"
	}
	return a.Username
}

// Is reports whether the actor has one of the roles.
func (a Actor) Is(roles ...Role) bool { return slices.Contains(roles, a.Role) }

// ManagesDepot reports whether the actor is bound to the depot.
func (a Actor) ManagesDepot(id string) bool { return slices.Contains(a.Depots, id) }

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, and false when there is none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
