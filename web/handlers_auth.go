package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/auth"
)

// login handles POST /api/v1/auth/login.
func (s *Server) login(c echo.Context) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	// Refused before anything is counted or hashed: no username is longer
	// than 64 bytes, no password than 256.
	var f dispatchd.Fields
	switch {
	case in.Username == "":
		f.Add("username", "is required")
	case len(in.Username) > auth.MaxUsername:
		f.Add("username", "must be at most %d bytes", auth.MaxUsername)
	}
	switch {
	case in.Password == "":
		f.Add("password", "is required")
	case len(in.Password) > auth.MaxPassword:
		f.Add("password", "must be at most %d bytes", auth.MaxPassword)
	}
	if err := f.Err(); err != nil {
		return err
	}
	res, err := s.d.Auth.Login(c.Request().Context(), in.Username, in.Password, c.RealIP())
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, res)
}

// logout handles POST /api/v1/auth/logout: the token is revoked.
func (s *Server) logout(c echo.Context) error {
	token, _ := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
	if err := s.d.Auth.Logout(c.Request().Context(), token, c.RealIP()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// refresh handles POST /api/v1/auth/refresh: a new token for the caller's,
// which is revoked.
func (s *Server) refresh(c echo.Context) error {
	token, _ := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
	l, err := s.d.Auth.Refresh(c.Request().Context(), token, c.RealIP())
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, l)
}

// me handles GET /api/v1/auth/me.
func (s *Server) me(c echo.Context) error {
	u, err := s.d.Auth.User(c.Request().Context(), actor(c), actor(c).UserID)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, u)
}

// listUsers handles GET /api/v1/users (?jurisdiction=CODE: the users
// whose jurisdiction lies within that region's subtree).
func (s *Server) listUsers(c echo.Context) error {
	q := newQuery(c)
	f := auth.UserFilter{Role: enum(q, "role", dispatchd.Roles), Jurisdiction: q.str("jurisdiction"),
		Limit: int(q.int("limit", 1, 1000)), After: q.cursor()}
	if f.Jurisdiction != "" && !dispatchd.ValidRegion(f.Jurisdiction) {
		q.errs.Add("jurisdiction", "must be a 6-digit GB/T 2260 region code (9 digits for a township)")
	}
	if err := q.err(); err != nil {
		return err
	}
	users, next, err := s.d.Auth.Users(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, newList(users, next))
}

// createUser handles POST /api/v1/users.
func (s *Server) createUser(c echo.Context) error {
	var in auth.NewUser
	if err := bind(c, &in); err != nil {
		return err
	}
	u, err := s.d.Auth.CreateUser(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusCreated, u)
}

// getUser handles GET /api/v1/users/:id.
func (s *Server) getUser(c echo.Context) error {
	u, err := s.d.Auth.User(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, u)
}

// updateUser handles PATCH /api/v1/users/:id: role, bindings, password,
// disabled.
func (s *Server) updateUser(c echo.Context) error {
	var in auth.UserPatch
	if err := bind(c, &in); err != nil {
		return err
	}
	u, err := s.d.Auth.UpdateUser(c.Request().Context(), actor(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK, u)
}
