package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
func (s *Server) table(metricsHandler http.Handler) []route {
	return []route{
		{"GET", "/healthz", public, s.healthz},
		{"GET", "/readyz", public, s.readyz},
		{"GET", "/metrics", public, echo.WrapHandler(metricsHandler)},
		{"GET", "/api/v1/openapi.json", public, s.openapi},

		{"POST", "/api/v1/auth/login", public, s.login},
		{"POST", "/api/v1/auth/logout", loggedIn, s.logout},
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

		{"GET", "/api/v1/depots", readers, s.listDepots},
		{"POST", "/api/v1/depots", command, s.createDepot},
		{"GET", "/api/v1/depots/:id", readers, s.getDepot},
		{"PATCH", "/api/v1/depots/:id", command, s.updateDepot},
		{"DELETE", "/api/v1/depots/:id", admins, s.deleteDepot},
		{"GET", "/api/v1/depots/:id/stock", readers, s.getStock},
		{"POST", "/api/v1/depots/:id/stock/adjustments", stockKeeper, s.adjustStock},
		{"GET", "/api/v1/depots/:id/stock/ledger", readers, s.getLedger},

		{"POST", "/api/v1/import/:kind", command, s.importFile},

		{"GET", "/api/v1/events", auditors, s.listEvents},
	}
}

func (s *Server) register(reg *prometheus.Registry) {
	s.routes = s.table(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	for _, r := range s.routes {
		mw := []echo.MiddlewareFunc{s.policy(r.roles)}
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
