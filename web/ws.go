package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/realtime"
)

// wsPath is the websocket route; it alone takes the token in the
// access_token query parameter, for browsers.
const wsPath = "/api/v1/ws"

// readWait is how long a peer may stay silent (no message, no pong)
// before the connection ends; the hub sets the write deadlines.
const readWait = 75 * time.Second

// wsSendBuffer is the kernel's send buffer of a websocket (SO_SNDBUF;
// Linux doubles it): what a client that stops reading holds in the
// kernel, beside the hub's SendBudget. A province's snapshot, compressed,
// still streams at a megabyte a second over a 100 ms round trip.
const wsSendBuffer = 64 << 10

// wsWriteBuffers is shared by every connection: an idle connection holds no
// write buffer.
var wsWriteBuffers sync.Pool

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 8192,
	WriteBufferPool: &wsWriteBuffers,
	// Server.websocket checks the origin before the upgrade, so that a
	// refusal is a problem like every other.
	CheckOrigin: func(*http.Request) bool { return true },
	// permessage-deflate, without context takeover (no state per
	// connection), used for large frames only: see wsConn.Write.
	EnableCompression: true,
}

// compressAbove is the frame size from which frames are compressed: a
// snapshot of the province (about 1.5 MB of JSON) shrinks several times,
// while the many small event and position frames are not worth the CPU.
const compressAbove = 16 << 10

// wsConn is the hub's writer over one websocket.
type wsConn struct{ c *websocket.Conn }

func (w wsConn) Write(frame []byte, deadline time.Time) error {
	_ = w.c.SetWriteDeadline(deadline)
	w.c.EnableWriteCompression(len(frame) >= compressAbove)
	return w.c.WriteMessage(websocket.TextMessage, frame)
}

func (w wsConn) Ping(deadline time.Time) error {
	return w.c.WriteControl(websocket.PingMessage, nil, deadline)
}

// websocket handles GET /api/v1/ws: the subscribe protocol of DESIGN.md.
// The handler returns once the connection is upgraded, so that its deep
// stack is not held for the connection's life: one new goroutine reads the
// client's messages, another writes.
func (s *Server) websocket(c echo.Context) error {
	if !websocket.IsWebSocketUpgrade(c.Request()) {
		return errUpgradeRequired
	}
	if !s.originAllowed(c.Request()) {
		s.metrics.wsRefused.WithLabelValues("origin").Inc()
		return dispatchd.Errorf(dispatchd.EFORBIDDEN, "the page's origin may not connect: only this server's own pages and those of --cors-origins may")
	}
	sess, err := s.openSession(c)
	if err != nil {
		return err
	}
	conn, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		sess.Discard()
		return nil // the upgrader has answered
	}
	if tc, ok := conn.NetConn().(interface{ SetWriteBuffer(int) error }); ok {
		_ = tc.SetWriteBuffer(wsSendBuffer)
	}
	conn.SetReadLimit(realtime.MaxFrame)
	_ = conn.SetReadDeadline(time.Now().Add(readWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(readWait)) })
	go s.wsRead(conn, sess)
	go func() {
		defer conn.Close()
		r := sess.Run(wsConn{conn})
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(r.Code, r.Reason), time.Now().Add(time.Second))
	}()
	return nil
}

// wsRead hands the client's messages to its session until the connection
// fails or the client breaks the protocol; then it closes the session.
func (s *Server) wsRead(conn *websocket.Conn, sess *realtime.Session) {
	for {
		typ, msg, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				s.metrics.wsRefused.WithLabelValues("too_large").Inc()
				sess.Close(realtime.CloseReason{Code: websocket.CloseMessageTooBig, Reason: "message larger than 512 KiB"})
			case errors.As(err, &ce):
				sess.Close(realtime.CloseReason{Code: websocket.CloseNormalClosure, Reason: "bye"})
			default:
				sess.Close(realtime.CloseReason{Code: websocket.CloseGoingAway, Reason: "read failed"})
			}
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(readWait))
		if typ != websocket.TextMessage {
			s.metrics.wsRefused.WithLabelValues("binary").Inc()
			sess.Close(realtime.CloseReason{Code: websocket.CloseUnsupportedData, Reason: "send JSON text messages"})
			return
		}
		sess.Handle(msg)
	}
}

// openSession opens the hub's session for the caller's login, then reads
// the login again: whatever ends it or changes the user's rights from then
// on reaches the session as an event; what did so before is seen here.
func (s *Server) openSession(c echo.Context) (*realtime.Session, error) {
	a, login := actor(c), c.Get(loginKey).(*auth.Session)
	for range 3 {
		sess, err := s.d.Hub.Open(a, realtime.Grant{Session: login.Ref(), Expires: login.ExpiresAt})
		if err != nil {
			return nil, err
		}
		now, cur, err := s.d.Auth.CheckSession(c.Request().Context(), login.TokenHash)
		if err != nil {
			sess.Discard()
			return nil, err
		}
		if realtime.SameRights(a, now) {
			return sess, nil
		}
		sess.Discard()
		a, login = now, cur
	}
	return nil, dispatchd.Errorf(dispatchd.EUNAVAILABLE, "your rights changed while connecting: connect again")
}

// loginKey is where authenticate leaves the caller's *auth.Session.
const loginKey = "dispatchd.login"

// originAllowed reports whether a browser's page may open a websocket: a
// page of this server (its Origin names the Host asked for) or of an
// origin the operator listed for CORS. A client that sends no Origin is no
// browser, and holds its token itself.
func (s *Server) originAllowed(r *http.Request) bool {
	return originAllowed(r.Header.Get("Origin"), r.Host, s.origins)
}

func originAllowed(origin, host string, listed []string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	for _, o := range listed {
		if o == "*" || strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(o), "/"), origin) {
			return true
		}
	}
	return false
}

var errUpgradeRequired = dispatchd.Errorf(dispatchd.EINVALID, "this route speaks the websocket protocol: connect with a websocket client")
