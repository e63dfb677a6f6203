package realtime

import "dispatchd"

// LeadConnected reports whether a team lead of team has a live connection
// to this node: the lead page is open and will show a new task. Nodes do
// not share it; a lead connected to another node counts as not connected
// here.
func (h *Hub) LeadConnected(team string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.users {
		for s := range set {
			if s.actor.Is(dispatchd.RoleTeamLead) && s.actor.Team == team {
				return true
			}
		}
	}
	return false
}
