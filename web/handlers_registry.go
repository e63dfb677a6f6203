package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd/resources"
)

// listItems handles GET /api/v1/items.
func (s *Server) listItems(c echo.Context) error {
	q := newQuery(c)
	f := resources.ItemFilter{Kind: enum(q, "kind", []resources.ItemKind{resources.Material, resources.Equipment}),
		Category: q.str("category"), Q: q.str("q"), After: q.cursor(), Limit: int(q.int("limit", 1, resources.MaxLimit))}
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.d.Registry.Items(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(items, next))
}

// createItem handles POST /api/v1/items.
func (s *Server) createItem(c echo.Context) error {
	var in resources.Item
	if err := bind(c, &in); err != nil {
		return err
	}
	it, err := s.d.Registry.CreateItem(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, it)
}

// getItem handles GET /api/v1/items/:code.
func (s *Server) getItem(c echo.Context) error {
	it, err := s.d.Registry.Item(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, it)
}

// updateItem handles PATCH /api/v1/items/:code.
func (s *Server) updateItem(c echo.Context) error {
	var in resources.ItemPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	it, err := s.d.Registry.UpdateItem(c.Request().Context(), actor(c), c.Param("code"), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, it)
}

// deleteItem handles DELETE /api/v1/items/:code.
func (s *Server) deleteItem(c echo.Context) error {
	if err := s.d.Registry.DeleteItem(c.Request().Context(), actor(c), c.Param("code")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// geojsonFormat reads ?format=, which is "json" (the default) or "geojson".
func geojsonFormat(q *query) bool {
	return enum(q, "format", []string{"json", "geojson"}) == "geojson"
}

// listTeams handles GET /api/v1/teams (and ?format=geojson).
func (s *Server) listTeams(c echo.Context) error {
	q := newQuery(c)
	asGeo := geojsonFormat(q)
	max := resources.MaxLimit
	if asGeo {
		max = resources.MaxMapLimit
	}
	f := resources.TeamFilter{Region: q.str("region"), Capability: q.str("capability"),
		Kind: enum(q, "kind", resources.TeamKinds), Status: enum(q, "status", resources.TeamStatuses),
		Q: q.str("q"), BBox: q.bbox(), After: q.cursor(), Limit: int(q.int("limit", 1, int64(max)))}
	if err := q.err(); err != nil {
		return err
	}
	teams, next, err := s.d.Registry.Teams(c.Request().Context(), actor(c), f, max)
	if err != nil {
		return err
	}
	if asGeo {
		return replyGeoJSON(c, teams, teamFeature, next)
	}
	return reply(c, http.StatusOK, newList(teams, next))
}

// createTeam handles POST /api/v1/teams.
func (s *Server) createTeam(c echo.Context) error {
	var in resources.Team
	if err := bind(c, &in); err != nil {
		return err
	}
	t, err := s.d.Registry.CreateTeam(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, t)
}

// getTeam handles GET /api/v1/teams/:id.
func (s *Server) getTeam(c echo.Context) error {
	t, err := s.d.Registry.Team(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// updateTeam handles PATCH /api/v1/teams/:id.
func (s *Server) updateTeam(c echo.Context) error {
	var in resources.TeamPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	t, err := s.d.Registry.UpdateTeam(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// deleteTeam handles DELETE /api/v1/teams/:id.
func (s *Server) deleteTeam(c echo.Context) error {
	if err := s.d.Registry.DeleteTeam(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// listDepots handles GET /api/v1/depots (and ?format=geojson).
func (s *Server) listDepots(c echo.Context) error {
	q := newQuery(c)
	asGeo := geojsonFormat(q)
	max := resources.MaxLimit
	if asGeo {
		max = resources.MaxMapLimit
	}
	f := resources.DepotFilter{Region: q.str("region"), Tier: enum(q, "tier", resources.Tiers),
		Reserve: enum(q, "reserve", []resources.Reserve{resources.Physical, resources.Agreement}),
		Q:       q.str("q"), BBox: q.bbox(), After: q.cursor(), Limit: int(q.int("limit", 1, int64(max)))}
	if err := q.err(); err != nil {
		return err
	}
	depots, next, err := s.d.Registry.Depots(c.Request().Context(), actor(c), f, max)
	if err != nil {
		return err
	}
	if asGeo {
		return replyGeoJSON(c, depots, depotFeature, next)
	}
	return reply(c, http.StatusOK, newList(depots, next))
}

// createDepot handles POST /api/v1/depots.
func (s *Server) createDepot(c echo.Context) error {
	var in resources.Depot
	if err := bind(c, &in); err != nil {
		return err
	}
	d, err := s.d.Registry.CreateDepot(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, d)
}

// getDepot handles GET /api/v1/depots/:id.
func (s *Server) getDepot(c echo.Context) error {
	d, err := s.d.Registry.Depot(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, d)
}

// updateDepot handles PATCH /api/v1/depots/:id.
func (s *Server) updateDepot(c echo.Context) error {
	var in resources.DepotPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	d, err := s.d.Registry.UpdateDepot(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, d)
}

// deleteDepot handles DELETE /api/v1/depots/:id.
func (s *Server) deleteDepot(c echo.Context) error {
	if err := s.d.Registry.DeleteDepot(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
