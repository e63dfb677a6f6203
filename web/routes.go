package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"dispatchd"
)

// Role policies: who may call a route. A nil policy is a public route.
var (
	public   []dispatchd.Role
	loggedIn = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer,
		dispatchd.RoleTeamLead, dispatchd.RoleDepotManager, dispatchd.RoleTracker}
	readers = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer,
		dispatchd.RoleTeamLead, dispatchd.RoleDepotManager}
	command     = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander}
	admins      = []dispatchd.Role{dispatchd.RoleAdmin}
	stockKeeper = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleDepotManager}
	auditors    = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer}
	// teamMovers may move a task; the service lets a lead move only its
	// own team's.
	teamMovers = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleTeamLead}
	// reporters send positions: trackers and team leads for their own team.
	reporters = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleTracker, dispatchd.RoleTeamLead}
	// depotManagers confirm, reject and ship orders, each only for its own
	// depots.
	depotManagers = []dispatchd.Role{dispatchd.RoleDepotManager}
	// zoneReaders read the risk zones.
	zoneReaders = []dispatchd.Role{dispatchd.RoleAdmin, dispatchd.RoleCommander, dispatchd.RoleViewer, dispatchd.RoleTeamLead}
)

// route is one endpoint and the roles that may call it.
type route struct {
	method, path string
	roles        []dispatchd.Role
	h            echo.HandlerFunc
}

// Route describes a registered route for tests and documentation.
type Route struct {
	Method, Path string
	Roles        []dispatchd.Role
}

// table lists every route of the API with its role policy, in one place.
func (s *Server) table(metrics echo.HandlerFunc) []route {
	return []route{
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/readyz", public, s.readyz},
		{"GET", "/metrics", public, metrics},
		{"GET", "/api/v1/openapi.json", public, s.openapi},

		// The pages log in by themselves, over the API.
		{"GET", "/", public, s.home},
		{"GET", "/screen", public, s.page("screen")},
		{"GET", "/lead", public, s.page("lead")},
		{"GET", "/depot", public, s.page("depot")},
		{"GET", "/ui/*", public, s.uiAsset},
		{"GET", "/map/boundaries.geojson", public, s.boundaries},
		{"GET", "/map/boundaries.pmtiles", public, s.boundaries},
		{"GET", "/api/v1/map", readers, s.mapConfig},

		{"POST", "/api/v1/auth/login", public, s.login},
		{"POST", "/api/v1/auth/logout", loggedIn, s.logout},
		{"POST", "/api/v1/auth/refresh", readers, s.refresh},
		{"GET", "/api/v1/auth/me", loggedIn, s.me},

		{"GET", "/api/v1/users", admins, s.listUsers},
		{"POST", "/api/v1/users", admins, s.createUser},
		{"GET", "/api/v1/users/:id", admins, s.getUser},
		{"PATCH", "/api/v1/users/:id", admins, s.updateUser},

		{"GET", "/api/v1/items", readers, s.listItems},
		{"POST", "/api/v1/items", command, s.createItem},
		{"GET", "/api/v1/items/:code", readers, s.getItem},
		{"PATCH", "/api/v1/items/:code", command, s.updateItem},
		{"DELETE", "/api/v1/items/:code", admins, s.deleteItem},

		{"GET", "/api/v1/teams", readers, s.listTeams},
		{"POST", "/api/v1/teams", command, s.createTeam},
		{"GET", "/api/v1/teams/:id", readers, s.getTeam},
		{"PATCH", "/api/v1/teams/:id", command, s.updateTeam},
		{"DELETE", "/api/v1/teams/:id", admins, s.deleteTeam},
		{"GET", "/api/v1/teams/:id/track", readers, s.getTrack},
		{"GET", "/api/v1/state", auditors, s.getState},

		{"GET", "/api/v1/depots", readers, s.listDepots},
		{"POST", "/api/v1/depots", command, s.createDepot},
		{"GET", "/api/v1/depots/:id", readers, s.getDepot},
		{"PATCH", "/api/v1/depots/:id", command, s.updateDepot},
		{"DELETE", "/api/v1/depots/:id", admins, s.deleteDepot},
		{"GET", "/api/v1/depots/:id/stock", readers, s.getStock},
		{"POST", "/api/v1/depots/:id/stock/adjustments", stockKeeper, s.adjustStock},
		{"GET", "/api/v1/depots/:id/stock/ledger", readers, s.getLedger},
		{"GET", "/api/v1/stock", readers, s.getItemStock},

		{"POST", "/api/v1/import/:kind", command, s.importFile},
		// The service lets only admins and commanders of the whole
		// deployment load the region tree.
		{"POST", "/api/v1/import/regions", command, s.importRegions},
		{"POST", "/api/v1/import/boundaries", command, s.importBoundaries},
		// Responsible persons (责任人): handlers_persons.go. The service
		// keeps each caller to its jurisdiction.
		{"POST", "/api/v1/import/persons", command, s.importPersons},
		{"GET", "/api/v1/responsible-persons", auditors, s.listPersons},
		{"POST", "/api/v1/responsible-persons", command, s.createPerson},
		{"GET", "/api/v1/responsible-persons/:id", auditors, s.getPerson},
		{"PATCH", "/api/v1/responsible-persons/:id", command, s.updatePerson},
		{"DELETE", "/api/v1/responsible-persons/:id", command, s.deletePerson},

		{"GET", "/api/v1/regions", readers, s.listRegions},
		{"GET", "/api/v1/regions/:code", readers, s.getRegion},

		{"GET", "/api/v1/incidents", readers, s.listIncidents},
		{"POST", "/api/v1/incidents", command, s.createIncident},
		{"GET", "/api/v1/incidents/:id", readers, s.getIncident},
		{"PATCH", "/api/v1/incidents/:id", command, s.updateIncident},
		{"POST", "/api/v1/incidents/:id/status", command, s.setIncidentStatus},
		{"GET", "/api/v1/incidents/:id/timeline", auditors, s.getTimeline},
		{"GET", "/api/v1/incidents/:id/suggestions", auditors, s.getSuggestions},
		{"POST", "/api/v1/incidents/:id/dispatch", command, s.dispatchPlan},
		{"GET", "/api/v1/incidents/:id/tasks", readers, s.listIncidentTasks},
		{"POST", "/api/v1/incidents/:id/tasks", command, s.createTask},
		{"GET", "/api/v1/incidents/:id/orders", readers, s.listIncidentOrders},
		{"POST", "/api/v1/incidents/:id/orders", command, s.createOrder},
		{"GET", "/api/v1/incidents/:id/review", auditors, s.getReview},
		{"GET", "/api/v1/reviews/scores", auditors, s.getScores},
		{"GET", "/api/v1/review-targets", auditors, s.getReviewTargets},
		{"PUT", "/api/v1/review-targets", admins, s.putReviewTargets},

		// Pre-positioning (预置): handlers_prepositions.go.
		{"GET", "/api/v1/preposition-templates", auditors, s.getPrepositionTemplates},
		{"PUT", "/api/v1/preposition-templates", admins, s.putPrepositionTemplates},
		{"GET", "/api/v1/prepositions", auditors, s.listPrepositions},
		{"POST", "/api/v1/prepositions", command, s.createPreposition},
		{"POST", "/api/v1/prepositions/plan", command, s.planPreposition},
		{"GET", "/api/v1/prepositions/:id", auditors, s.getPreposition},
		{"POST", "/api/v1/prepositions/:id/cancel", command, s.cancelPreposition},

		// Support requests (跨区域支援): handlers_support.go.
		{"GET", "/api/v1/support-requests", auditors, s.listSupport},
		{"POST", "/api/v1/support-requests", command, s.createSupport},
		{"GET", "/api/v1/support-requests/:id", auditors, s.getSupport},
		{"POST", "/api/v1/support-requests/:id/decline", command, s.declineSupport},
		{"POST", "/api/v1/support-requests/:id/close", command, s.closeSupport},

		// Warnings (预警) and their call-and-answer: handlers_warnings.go.
		// The service keeps each caller to its jurisdiction.
		{"GET", "/api/v1/warnings", auditors, s.listWarnings},
		{"POST", "/api/v1/warnings", command, s.createWarning},
		{"GET", "/api/v1/warnings/:id", auditors, s.getWarning},
		{"GET", "/api/v1/warnings/:id/recipients", auditors, s.listRecipients},
		{"GET", "/api/v1/warnings/:id/summary", auditors, s.getWarningSummary},
		{"POST", "/api/v1/warnings/:id/recipients/:rid/answer", command, s.answerRecipient},
		// The one-tap answer page (answer.go): the code in the link is
		// the credential; limited per address in the handler.
		{"GET", answerPath, public, s.showAnswer},
		{"POST", answerPath, public, s.postAnswer},

		{"GET", "/api/v1/tasks", readers, s.listTasks},
		{"GET", "/api/v1/tasks/:id", readers, s.getTask},
		{"POST", "/api/v1/tasks/:id/ack", teamMovers, s.ackTask},
		{"POST", "/api/v1/tasks/:id/decline", teamMovers, s.declineTask},
		{"POST", "/api/v1/tasks/:id/status", teamMovers, s.reportTask},
		{"POST", "/api/v1/tasks/:id/cancel", command, s.cancelTask},
		{"POST", "/api/v1/tasks/:id/replace", command, s.replaceTask},

		{"GET", "/api/v1/orders", readers, s.listOrders},
		{"GET", "/api/v1/orders/:id", readers, s.getOrder},
		{"POST", "/api/v1/orders/:id/confirm", depotManagers, s.confirmOrder},
		{"POST", "/api/v1/orders/:id/reject", depotManagers, s.rejectOrder},
		{"POST", "/api/v1/orders/:id/ship", depotManagers, s.shipOrder},
		{"POST", "/api/v1/orders/:id/deliver", teamMovers, s.deliverOrder},
		{"POST", "/api/v1/orders/:id/cancel", command, s.cancelOrder},

		{"POST", "/api/v1/trackers", command, s.createTracker},
		{"DELETE", "/api/v1/trackers/:id", command, s.deleteTracker},
		{"POST", "/api/v1/positions", reporters, s.postPositions},
		{"GET", "/osmand", public, s.osmand},
		{"POST", "/osmand", public, s.osmand},

		{"GET", "/api/v1/summary", auditors, s.getSummary},
		{"GET", "/api/v1/coverage", auditors, s.getCoverage},
		{"GET", "/api/v1/coverage/move-up", auditors, s.getMoveUp},
		// The population layer weighs coverage: the whole deployment's,
		// so only admins replace it; each reads its jurisdiction's totals.
		{"GET", "/api/v1/coverage/population", auditors, s.getPopulation},
		{"PUT", "/api/v1/coverage/population", admins, s.putPopulation},

		// Risk zones are the whole deployment's: read by the command
		// center and by team leads, for their alerts.
		{"GET", "/api/v1/zones", zoneReaders, s.listZones},
		{"POST", "/api/v1/zones", command, s.importZones},

		{"GET", "/api/v1/events", auditors, s.listEvents},
		{"GET", "/api/v1/replay", auditors, s.getReplay},
		{"GET", "/api/v1/audit", admins, s.getAudit},
		{"GET", wsPath, loggedIn, s.websocket},
	}
}

func (s *Server) register(reg *prometheus.Registry, metricsToken string) {
	s.routes = s.table(metricsHandler(reg, metricsToken))
	s.metrics.routes = map[string]bool{}
	for _, r := range s.routes {
		s.metrics.routes[r.path] = true
		mw := []echo.MiddlewareFunc{s.policy(r.roles)}
		if r.roles != nil || r.path == "/osmand" {
			mw = append(mw, s.limit(r.path))
		}
		if r.method == http.MethodPost && r.roles != nil {
			mw = append(mw, s.idempotent)
		}
		s.e.Add(r.method, r.path, r.h, mw...)
	}
}

// Routes lists every route with its policy.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, r := range s.routes {
		out[i] = Route{Method: r.method, Path: r.path, Roles: r.roles}
	}
	return out
}
