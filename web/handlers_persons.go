package web

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd/warning"
)

// listPersons handles GET /api/v1/responsible-persons.
func (s *Server) listPersons(c echo.Context) error {
	q := newQuery(c)
	f := warning.PersonFilter{Region: q.str("region"), Duty: enum(q, "duty", warning.Duties), Q: q.str("q"),
		After: q.cursor(), Limit: int(q.int("limit", 1, warning.MaxLimit))}
	if err := q.err(); err != nil {
		return err
	}
	ps, next, err := s.d.Persons.Persons(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(ps, next))
}

// createPerson handles POST /api/v1/responsible-persons.
func (s *Server) createPerson(c echo.Context) error {
	var in warning.Person
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.d.Persons.CreatePerson(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, p)
}

// getPerson handles GET /api/v1/responsible-persons/:id.
func (s *Server) getPerson(c echo.Context) error {
	p, err := s.d.Persons.Person(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, p)
}

// updatePerson handles PATCH /api/v1/responsible-persons/:id.
func (s *Server) updatePerson(c echo.Context) error {
	var in warning.PersonPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	p, err := s.d.Persons.UpdatePerson(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, p)
}

// deletePerson handles DELETE /api/v1/responsible-persons/:id.
func (s *Server) deletePerson(c echo.Context) error {
	if err := s.d.Persons.DeletePerson(c.Request().Context(), actor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// importPersons handles POST /api/v1/import/persons: a CSV file of
// responsible persons (warning.ParsePersons), every row or none, through
// the same slots and spooling as the other imports.
func (s *Server) importPersons(c echo.Context) error {
	return s.importWhole(c, func(f io.Reader, source string) (any, error) {
		return s.d.Persons.ImportPersons(c.Request().Context(), actor(c), f, source)
	})
}
