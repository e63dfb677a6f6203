package web

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/realtime"
)

// wsPath is the websocket route; it alone takes the token in the
// access_token query parameter, for browsers.
const wsPath = "/api/v1/ws"

// Websocket timeouts: a write that takes longer than writeWait, or a peer
// silent (no message, no pong) for longer than readWait, ends the
// connection.
const (
	writeWait = 10 * time.Second
	readWait  = 75 * time.Second
)

// wsWriteBuffers is shared by every connection: an idle connection holds no
// write buffer.
var wsWriteBuffers sync.Pool

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 8192,
	WriteBufferPool: &wsWriteBuffers,
	// Tokens, not cookies, authenticate: another site's page cannot act
	// as the user, so any origin may connect.
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

func (w wsConn) Write(frame []byte) error {
	_ = w.c.SetWriteDeadline(time.Now().Add(writeWait))
	w.c.EnableWriteCompression(len(frame) >= compressAbove)
	return w.c.WriteMessage(websocket.TextMessage, frame)
}

func (w wsConn) Ping() error {
	return w.c.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
}

// websocket handles GET /api/v1/ws: the subscribe protocol of DESIGN.md.
// The handler returns once the connection is upgraded, so that its deep
// stack is not held for the connection's life: one new goroutine reads the
// client's messages, another writes.
func (s *Server) websocket(c echo.Context) error {
	if !websocket.IsWebSocketUpgrade(c.Request()) {
		return errUpgradeRequired
	}
	conn, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	sess := s.d.Hub.Open(actor(c))
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

var errUpgradeRequired = dispatchd.Errorf(dispatchd.EINVALID, "this route speaks the websocket protocol: connect with a websocket client")
