package realtime

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"dispatchd"
)

// What each session may see, and the events that end or change it. The
// rules of the HTTP routes apply per topic; the events that end a login
// or change a user's rights reach every node's hub through the event
// feed, like every change, and close the sessions they concern there:
// none of them is sent to a client.

// about is what an event concerns: its topic and, for tasks and orders,
// the team or depot and the incident.
type about struct {
	topic                 Topic
	team, depot, incident string
}

// classify names an event's topic and the team, depot and incident it
// concerns.
func classify(ev dispatchd.Event) about {
	kind, _, _ := strings.Cut(ev.Type, ".")
	var t Topic
	switch kind {
	case "incident", "preposition": // a pre-positioning is a row of incidents (dispatch/preposition.go)
		t = TopicIncidents
	case "task":
		t = TopicTasks
	case "order":
		t = TopicOrders
	case "team", "coverage":
		// coverage.gap and coverage.restored: what the available teams
		// reach, in the county the event names.
		t = TopicTeams
	case "depot", "stock", "item":
		t = TopicDepots
	case "support_request":
		t = TopicSupport
	case "zone", "zones":
		if ev.Type == "zone.entered" {
			return about{topic: TopicZones, team: ev.Subject}
		}
		return about{topic: TopicZones}
	default:
		// warning.*, and warning_recipient.* should the service name its
		// recipients' steps so.
		if !strings.HasPrefix(kind, "warning") {
			return about{}
		}
		t = TopicWarnings
	}
	if t != TopicTasks && t != TopicOrders {
		return about{topic: t}
	}
	var who struct {
		Team     string `json:"team"`
		Depot    string `json:"depot"`
		Incident string `json:"incident"`
	}
	_ = json.Unmarshal(ev.Data, &who) // a malformed event is seen by the command center only
	return about{t, who.Team, who.Depot, who.Incident}
}

// receives reports whether session s may see ev, which is about ab: the
// rules of its role (mayReceive) and of its jurisdiction and desk. A team
// lead sees its own team's tasks wherever they are, the orders of the
// incidents its team works on and those incidents; a depot manager its own
// depots' orders; anything else must be Visible to the session's scope.
// Called under h.mu.
func (h *Hub) receives(s *Session, ev *dispatchd.Event, ab about) bool {
	a := s.actor
	if !mayReceive(a, ab.topic, ab.team, ab.depot) {
		return false
	}
	switch {
	case ab.topic == TopicZones && a.Is(dispatchd.RoleTeamLead):
		return ab.team == "" || ab.team == a.Team
	case ab.topic == TopicTasks && a.Is(dispatchd.RoleTeamLead),
		ab.topic == TopicOrders && a.Is(dispatchd.RoleDepotManager):
		return true
	case ab.topic == TopicOrders && a.Is(dispatchd.RoleTeamLead):
		return h.worksOn(a.Team, ab.incident)
	case ab.topic == TopicIncidents && a.Is(dispatchd.RoleTeamLead) && h.worksOn(a.Team, ev.Subject):
		return true
	}
	return s.everything || ev.Visible(s.scope)
}

// worksOn reports whether the team has or had a task on the incident, as
// far as the hub has seen. Called under h.mu.
func (h *Hub) worksOn(team, incident string) bool {
	_, ok := h.worked[team][incident]
	return ok && team != ""
}

// seedWork adds the incidents the store says the team works on.
func (h *Hub) seedWork(team string, incidents []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range incidents {
		h.noteWork(team, id)
	}
}

// noteWork records that a task event put a team on an incident. Called
// under h.mu, for every task event, whoever is connected: a lead who
// subscribes later adds what the store knew before (seedWork), and
// between the two nothing is missed.
func (h *Hub) noteWork(team, incident string) {
	if team == "" || incident == "" {
		return
	}
	set := h.worked[team]
	if set == nil {
		set = map[string]struct{}{}
		h.worked[team] = set
	}
	set[incident] = struct{}{}
}

// mayReceive reports whether an actor may see an event of the topic about
// team and depot: the rules of the HTTP routes, per topic.
func mayReceive(a dispatchd.Actor, t Topic, team, depot string) bool {
	switch {
	case a.Is(dispatchd.RoleTracker):
		return false
	case t == TopicSupport, t == TopicWarnings:
		return a.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer)
	case t == TopicTasks && a.Is(dispatchd.RoleTeamLead):
		return team != "" && team == a.Team
	case t == TopicZones:
		return a.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer, dispatchd.RoleTeamLead)
	case t == TopicOrders && a.Is(dispatchd.RoleDepotManager):
		return a.ManagesDepot(depot)
	}
	return true
}

// eventFrame is an event as the websocket sends it.
type eventFrame struct {
	Type    string          `json:"type"`
	ID      int64           `json:"id"`
	TS      time.Time       `json:"ts"`
	Event   string          `json:"event"`
	Subject string          `json:"subject"`
	Actor   string          `json:"actor"`
	Data    json.RawMessage `json:"data"`
}

func encodeEvent(ev dispatchd.Event) []byte {
	data := ev.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	b, _ := json.Marshal(eventFrame{"event", ev.ID, ev.TS, ev.Type, ev.Subject, ev.Actor, data})
	return b
}

// readerRoles may subscribe; reporterRoles may send positions.
var (
	readerRoles   = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer, dispatchd.RoleTeamLead, dispatchd.RoleDepotManager}
	reporterRoles = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleTracker, dispatchd.RoleTeamLead}
)

// stateQuery is what a snapshot for actor a may hold.
func stateQuery(a dispatchd.Actor, sub SubscribeRequest) StateQuery {
	q := StateQuery{Topics: sub.Topics, BBox: sub.BBox, Scope: a.Scope()}
	if a.Is(dispatchd.RoleTeamLead) {
		team := a.Team
		q.Team = &team
	}
	if a.Is(dispatchd.RoleDepotManager) {
		q.Depots = slices.Clone(a.Depots)
		if q.Depots == nil {
			q.Depots = []string{}
		}
	}
	return q
}

// The events that end logins or change rights, as the auth service writes
// them.
const (
	evLogout          = "auth.logout"           // one login ended: data.session names it
	evRefresh         = "auth.refresh"          // one login exchanged for a new one
	evSessionsRevoked = "user.sessions_revoked" // every login of the subject ended
	evUserUpdated     = "user.updated"          // the subject's role, bindings or state changed
)

// rightsEvent is the part of those events' data the hub reads.
type rightsEvent struct {
	Session  string         `json:"session"`
	Reason   string         `json:"reason"`
	Role     dispatchd.Role `json:"role"`
	Team     string         `json:"team"`
	Depots   []string       `json:"depots"`
	Disabled bool           `json:"disabled"`
}

// applyRights closes the sessions an event ends: those of the login it
// ends, or of the user whose logins it revokes, or whose role, bindings or
// state it changes (they reconnect and are scoped anew). Called under
// h.mu, in event order: no event after it reaches those sessions.
func (h *Hub) applyRights(ev dispatchd.Event) {
	set := h.users[ev.Subject]
	if len(set) == 0 {
		return
	}
	switch ev.Type {
	case evLogout, evRefresh, evSessionsRevoked, evUserUpdated:
	default:
		return
	}
	var d rightsEvent
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		// Not what the auth service writes: end them all rather than
		// guess.
		d = rightsEvent{Reason: "unreadable"}
		ev.Type = evSessionsRevoked
	}
	for s := range set {
		reason := ""
		switch {
		case ev.Type == evLogout && s.grant.Session == d.Session:
			reason = "logged out: log in again"
		case ev.Type == evRefresh && s.grant.Session == d.Session:
			reason = "the token was exchanged for a new one: reconnect with it"
		case ev.Type == evSessionsRevoked:
			reason = fmt.Sprintf("your logins were ended (%s): log in again", truncate(d.Reason, 32))
		case ev.Type == evUserUpdated && d.Disabled:
			reason = "your account is disabled"
		case ev.Type == evUserUpdated && !sameRights(s.actor, d.Role, d.Team, d.Depots):
			reason = "your role or bindings changed: reconnect"
		}
		if reason != "" {
			h.revoke(s, reason)
		}
	}
}

// sameRights reports whether a still has the role and bindings given.
func sameRights(a dispatchd.Actor, role dispatchd.Role, team string, depots []string) bool {
	return a.Role == role && a.Team == team && slices.Equal(slices.Sorted(slices.Values(a.Depots)), slices.Sorted(slices.Values(depots)))
}

// SameRights reports whether two actors may do the same: one role, one
// team, the same depots.
func SameRights(a, b dispatchd.Actor) bool { return sameRights(a, b.Role, b.Team, b.Depots) }

// revoke closes a session whose rights ended (4003).
func (h *Hub) revoke(s *Session, reason string) {
	if s.close(CloseReason{CloseRevoked, reason}) {
		h.revoked.Add(1)
	}
}

// expiry returns a channel that fires when the session's login expires;
// nil, which never fires, for a login without an end.
func (s *Session) expiry() (<-chan time.Time, func()) {
	if s.grant.Expires.IsZero() {
		return nil, func() {}
	}
	t := time.NewTimer(time.Until(s.grant.Expires))
	return t.C, func() { t.Stop() }
}
