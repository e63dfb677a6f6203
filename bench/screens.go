package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The two processes `dispatchd bench live` starts besides the server: the
// screens that read, and the plain broadcast server it compares against.

// screensReport is what the screens process prints when asked.
type screensReport struct {
	Latency   latencies
	Delivered int   // events of those asked about that every screen received
	Bytes     int64 // received by all screens
	Closed    int   // screens the server closed
	Reasons   []string
}

// Screens runs the hidden `dispatchd bench live-screens`, which live and
// soak start as a process. It connects n websocket screens to url, subscribed to topics,
// prints "screens ready" once each has its first message, and then, for
// every JSON list of event ids read from stdin, prints a report. It ends at
// the end of stdin.
func Screens(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench live-screens", "bench live-screens --url URL --token T [--n 200] [--timed 20] [--topics a,b]", stderr)
	url := fs.String("url", "", "server URL")
	token := fs.String("token", "", "bearer token")
	n := fs.Int("n", 200, "screens")
	timed := fs.Int("timed", 20, "screens that time every position")
	topics := fs.String("topics", "positions", "comma-separated topics")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ws := "ws" + strings.TrimPrefix(*url, "http") + "/api/v1/ws"
	if !strings.HasPrefix(*url, "http") {
		return fmt.Errorf("--url must be an http URL")
	}
	dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4096}
	sub, _ := json.Marshal(map[string]any{"op": "subscribe", "topics": strings.Split(*topics, ",")})
	screens := make([]*benchScreen, *n)
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	sem := make(chan struct{}, 64)
	for i := range screens {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := dialer.DialContext(ctx, ws, http.Header{"Authorization": {"Bearer " + *token}})
			if err == nil {
				err = c.WriteMessage(websocket.TextMessage, sub)
			}
			if err == nil {
				// The first message: the snapshot.
				_ = c.SetReadDeadline(time.Now().Add(time.Minute))
				_, _, err = c.ReadMessage()
				_ = c.SetReadDeadline(time.Time{})
			}
			if err != nil {
				select {
				case errc <- fmt.Errorf("screen %d: %w", i, err):
				default:
				}
				return
			}
			screens[i] = &benchScreen{c: c, timed: i < *timed, since: start}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	for _, s := range screens {
		go s.read()
	}
	fmt.Fprintln(stdout, "screens ready")
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	for in.Scan() {
		var want []int64
		if err := json.Unmarshal(in.Bytes(), &want); err != nil {
			return fmt.Errorf("read the event ids: %w", err)
		}
		b, _ := json.Marshal(report(screens, want))
		fmt.Fprintln(stdout, string(b))
	}
	for _, s := range screens {
		s.c.Close()
	}
	return nil
}

// benchScreen is one screen's connection and what it received.
type benchScreen struct {
	c     *websocket.Conn
	timed bool
	// since is when the screens connected: positions from before are the
	// state every subscriber gets, not moves to time.
	since time.Time

	mu      sync.Mutex
	lat     []time.Duration
	events  []int64
	bytes   int64
	closed  string
	ordered bool // false once an event came out of order
}

// read reads until the connection ends: timed screens decode every
// positions message, the others only event messages.
func (s *benchScreen) read() {
	var buf bytes.Buffer
	s.ordered = true
	eventPrefix := []byte(`{"type":"event"`)
	for {
		_, r, err := s.c.NextReader()
		if err != nil {
			s.mu.Lock()
			if ce, ok := err.(*websocket.CloseError); ok {
				s.closed = fmt.Sprintf("%d %s", ce.Code, ce.Text)
			} else if !strings.Contains(err.Error(), "use of closed") {
				s.closed = err.Error()
			}
			s.mu.Unlock()
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			continue
		}
		now := time.Now()
		b := buf.Bytes()
		var m struct {
			Type  string
			ID    int64
			Items []struct{ TS time.Time }
		}
		isEvent := bytes.HasPrefix(b, eventPrefix)
		if isEvent || s.timed {
			_ = json.Unmarshal(b, &m)
		}
		s.mu.Lock()
		s.bytes += int64(len(b))
		if isEvent {
			if n := len(s.events); n > 0 && m.ID <= s.events[n-1] {
				s.ordered = false
			}
			s.events = append(s.events, m.ID)
		}
		for _, it := range m.Items {
			if it.TS.After(s.since) {
				s.lat = append(s.lat, now.Sub(it.TS))
			}
		}
		s.mu.Unlock()
	}
}

// report summarises every screen since the last report and resets them.
func report(screens []*benchScreen, want []int64) screensReport {
	var r screensReport
	var all []time.Duration
	got := make(map[int64]int, len(want))
	for _, s := range screens {
		s.mu.Lock()
		all = append(all, s.lat...)
		r.Bytes += s.bytes
		if s.ordered {
			for _, id := range s.events {
				got[id]++
			}
		}
		if s.closed != "" {
			r.Closed++
			if len(r.Reasons) < 5 {
				r.Reasons = append(r.Reasons, s.closed)
			}
		}
		s.lat, s.events, s.bytes = s.lat[:0], s.events[:0], 0
		s.mu.Unlock()
	}
	for _, id := range want {
		if got[id] == len(screens) {
			r.Delivered++
		}
	}
	r.Latency = summarize(all)
	return r
}

// Baseline runs the hidden `dispatchd bench live-baseline`, which live
// starts as a process: a plain gorilla/websocket broadcast server, after the
// chat example: POST /positions broadcasts the batch, as one positions
// message, to every websocket on /api/v1/ws, each with its own buffered
// channel and writer. No filter, no coalescing, no store.
func Baseline(ctx context.Context, stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var mu sync.Mutex
	clients := map[chan []byte]struct{}{}
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /positions", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Positions []json.RawMessage `json:"positions"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		frame, _ := json.Marshal(map[string]any{"type": "positions", "items": body.Positions})
		mu.Lock()
		for c := range clients {
			select {
			case c <- frame:
			default: // as in the chat example, a full client is dropped
				delete(clients, c)
				close(c)
			}
		}
		mu.Unlock()
		fmt.Fprintf(w, `{"accepted":%d}`, len(body.Positions))
	})
	mux.HandleFunc("GET /api/v1/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		send := make(chan []byte, 256)
		go func() { // the writer
			defer conn.Close()
			for frame := range send {
				_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := conn.WriteMessage(websocket.TextMessage, frame); err != nil {
					return
				}
			}
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "too slow"))
		}()
		// The reader: the first message subscribes; it is answered with an
		// empty snapshot, and the screen joins the broadcast.
		if _, _, err := conn.ReadMessage(); err != nil {
			close(send)
			return
		}
		send <- []byte(`{"type":"snapshot","event_id":0}`)
		mu.Lock()
		clients[send] = struct{}{}
		mu.Unlock()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				mu.Lock()
				if _, ok := clients[send]; ok {
					delete(clients, send)
					close(send)
				}
				mu.Unlock()
				return
			}
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	fmt.Fprintf(stdout, "baseline is up at http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}
