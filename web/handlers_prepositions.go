package web

// Pre-positioning (预置): dispatch/preposition.go.

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd/dispatch"
)

// getPrepositionTemplates handles GET /api/v1/preposition-templates.
func (s *Server) getPrepositionTemplates(c echo.Context) error {
	t, err := s.d.Dispatch.PrepositionTemplates(c.Request().Context())
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// putPrepositionTemplates handles PUT /api/v1/preposition-templates: the
// overrides replaced whole.
func (s *Server) putPrepositionTemplates(c echo.Context) error {
	var body struct {
		Templates []dispatch.Template `json:"templates"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	t, err := s.d.Dispatch.SetPrepositionTemplates(c.Request().Context(), actor(c), body.Templates)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, t)
}

// planPreposition handles POST /api/v1/prepositions/plan: it changes
// nothing.
func (s *Server) planPreposition(c echo.Context) error {
	var r dispatch.PlanPrepositionRequest
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := s.d.Dispatch.PlanPreposition(c.Request().Context(), actor(c), r)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// createPreposition handles POST /api/v1/prepositions.
func (s *Server) createPreposition(c echo.Context) error {
	var r dispatch.CreatePrepositionRequest
	if err := bind(c, &r); err != nil {
		return err
	}
	out, err := s.d.Dispatch.CreatePreposition(c.Request().Context(), actor(c), r)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, out)
}

// listPrepositions handles GET /api/v1/prepositions.
func (s *Server) listPrepositions(c echo.Context) error {
	out, err := s.d.Dispatch.Prepositions(c.Request().Context(), actor(c), c.QueryParam("status"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, map[string]any{"items": out})
}

// getPreposition handles GET /api/v1/prepositions/:id.
func (s *Server) getPreposition(c echo.Context) error {
	out, err := s.d.Dispatch.PrepositionByID(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}

// cancelPreposition handles POST /api/v1/prepositions/:id/cancel.
func (s *Server) cancelPreposition(c echo.Context) error {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := bind(c, &body); err != nil {
		return err
	}
	out, err := s.d.Dispatch.CancelPreposition(c.Request().Context(), actor(c), c.Param("id"), body.Reason)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, out)
}
