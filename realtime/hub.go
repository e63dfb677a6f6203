package realtime

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd"
	"dispatchd/geo"
)

// HubConfig tunes the hub; zero fields take defaults.
type HubConfig struct {
	// Flush is how often moved units are sent to screens.
	Flush time.Duration
	// UnitEvery is the shortest time between two positions of one unit on
	// a screen: faster fixes are coalesced to the latest.
	UnitEvery time.Duration
	// EventBuffer is how many events may wait for one client before it is
	// closed as too slow (and resumes with since).
	EventBuffer int
	// CatchUp is the most events replayed to a client that resumes; one
	// further behind gets a new snapshot.
	CatchUp int
	// Ring is how many position flushes are kept for clients that fell
	// behind; one further behind gets every unit's latest position.
	Ring int
	// PingEvery is how often an idle connection is pinged.
	PingEvery time.Duration
	// SendBudget is the most bytes of events that may wait for one
	// client, queued or being written (the transport bounds its socket
	// buffer besides): a client with more unsent is closed as too slow.
	SendBudget int
	// WriteWait is how long the client may take to take one message.
	WriteWait time.Duration
	// SnapshotWait is how long the client may take to take its snapshot;
	// one that does not is closed.
	SnapshotWait time.Duration
	// PerUser is the most connections one user may hold at once.
	PerUser int
	// TeamRegion returns a team's region, so that a session of a
	// jurisdiction gets the positions of its own teams only; when nil,
	// such sessions get none.
	TeamRegion func(team string) (string, bool)
}

// Defaults of HubConfig.
const (
	DefaultFlush       = 50 * time.Millisecond
	DefaultUnitEvery   = 100 * time.Millisecond
	DefaultEventBuffer = 4096
	DefaultCatchUp     = 10000
	DefaultRing        = 64
	DefaultPingEvery   = 25 * time.Second
	DefaultSendBudget  = 4 << 20
	DefaultWriteWait   = 10 * time.Second
	DefaultSnapshot    = 30 * time.Second
	DefaultPerUser     = 8
)

// setDefault sets *v to def when it is zero or less.
func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func (c *HubConfig) defaults() {
	setDefault(&c.Flush, DefaultFlush)
	setDefault(&c.UnitEvery, DefaultUnitEvery)
	setDefault(&c.EventBuffer, DefaultEventBuffer)
	setDefault(&c.CatchUp, DefaultCatchUp)
	if c.Ring < 2 {
		c.Ring = DefaultRing
	}
	setDefault(&c.PingEvery, DefaultPingEvery)
	setDefault(&c.SendBudget, DefaultSendBudget)
	setDefault(&c.WriteWait, DefaultWriteWait)
	setDefault(&c.SnapshotWait, DefaultSnapshot)
	setDefault(&c.PerUser, DefaultPerUser)
}

// StateQuery asks a store for the state a snapshot carries: the topics, the
// area, and what the actor's role may see.
type StateQuery struct {
	Topics TopicSet
	BBox   *geo.BBox
	// Team, when not nil, limits tasks to that team's (a team lead's
	// view).
	Team *string
	// Depots, when not nil, limits orders to those depots' (a depot
	// manager's view).
	Depots []string
	// Scope limits incidents, and the tasks and orders of the other
	// roles, to the actor's jurisdiction and desk, and teams and depots to
	// its jurisdiction. A team lead (Team) also sees the incidents its team
	// works on, and of orders only theirs.
	Scope dispatchd.Scope
}

// State is what a snapshot carries, current to event EventID. Each list is
// whatever the store returns for its topic, encoded as it is.
type State struct {
	EventID   int64 `json:"event_id"`
	Incidents any   `json:"incidents,omitempty"`
	// Prepositions are the open pre-positionings' rows, of the incidents
	// topic, for a session that is no team lead's (a lead's are among its
	// incidents).
	Prepositions any `json:"prepositions,omitempty"`
	Teams        any `json:"teams,omitempty"`
	Tasks        any `json:"tasks,omitempty"`
	Orders       any `json:"orders,omitempty"`
	Depots       any `json:"depots,omitempty"`
}

// StateSource reads snapshots and the event log.
type StateSource interface {
	// State reads the state of q's topics and the last event id in one
	// consistent read.
	State(ctx context.Context, q StateQuery) (*State, error)
	// TeamIncidents lists the incidents the team has or had a task on.
	TeamIncidents(ctx context.Context, team string) ([]string, error)
	EventSource
	LastEventID(ctx context.Context) (int64, error)
}

// feedBuffer is how many events may wait for the hub itself. Its fan-out
// never blocks, so only a burst larger than this, faster than the hub can
// queue it, makes every session resume.
const feedBuffer = 16384

// Close codes and reasons a session ends with.
const (
	CloseNormal      = 1000
	CloseGoingAway   = 1001
	CloseUnavailable = 1011 // the store did not answer; retry
	CloseSlow        = 4000 // the client fell behind events; resume with since
	CloseResync      = 4001 // the server lost its place in the feed; resume with since
	CloseRevoked     = 4003 // the token ended (logout, expiry) or the user's rights changed
	ClosePolicy      = 1008
)

// CloseReason is why a session ended, sent in the close frame.
type CloseReason struct {
	Code   int
	Reason string
}

// HubStats counts what the hub did.
type HubStats struct {
	Sessions       int64
	Events         int64 // event messages queued to clients
	PositionFrames int64 // positions messages written
	SlowClosed     int64
	BadMessages    int64
	Snapshots      int64
	CatchUps       int64
	// RevokedClosed counts sessions closed because their token ended or
	// their user's rights changed (4003).
	RevokedClosed int64
	// SnapshotTimeouts counts clients closed for not taking their
	// snapshot within SnapshotWait.
	SnapshotTimeouts int64
	// Refused counts connections refused for a user at PerUser.
	Refused int64
	// UnsentPeak is the most bytes of events that ever waited for one
	// client: never more than SendBudget.
	UnsentPeak int64
}

// Hub fans events and positions out to websocket sessions. Events come from
// the feed in id order and are queued to each session that may see them;
// positions are kept latest per unit and flushed to the sessions that
// watch them, shared by all and dropped, never queued, for a slow reader.
type Hub struct {
	cfg    HubConfig
	src    StateSource
	accept func(dispatchd.Actor, []Position) Result
	// amu guards stopped: sessions' positions are taken only until Run
	// returns, and Run waits for those being taken as it stops, so that
	// each one acknowledged reaches what runs after the hub (the history).
	amu     sync.RWMutex
	stopped bool
	done    chan struct{}
	// ready is closed once Run follows the feed: sessions attach after.
	ready     chan struct{}
	readyOnce sync.Once

	mu       sync.Mutex
	last     int64                            // the last event fanned out
	sessions map[*Session]struct{}            // the subscribed
	users    map[string]map[*Session]struct{} // every open session, by user
	// worked holds, by team, the incidents it has or had a task on, from
	// every task event fanned out and what leads' subscriptions read.
	worked map[string]map[string]struct{}

	pmu    sync.Mutex
	latest map[string]Position
	dirty  map[string]struct{}
	sentAt map[string]time.Time

	rmu  sync.RWMutex
	ring []*flush
	seq  atomic.Uint64

	events, frames, slow, bad, snapshots, catchups atomic.Int64
	revoked, snapTimeouts, refused, unsentPeak     atomic.Int64
}

// NewHub returns a hub reading snapshots from src and passing trackers'
// positions to accept.
func NewHub(cfg HubConfig, src StateSource, accept func(dispatchd.Actor, []Position) Result) *Hub {
	cfg.defaults()
	return &Hub{
		cfg: cfg, src: src, accept: accept, done: make(chan struct{}), ready: make(chan struct{}),
		sessions: map[*Session]struct{}{}, users: map[string]map[*Session]struct{}{}, worked: map[string]map[string]struct{}{},
		latest: map[string]Position{}, dirty: map[string]struct{}{}, sentAt: map[string]time.Time{},
		ring: make([]*flush, cfg.Ring),
	}
}

// Config returns the hub's configuration, defaults filled in.
func (h *Hub) Config() HubConfig { return h.cfg }

// Stats returns the hub's counts.
func (h *Hub) Stats() HubStats {
	h.mu.Lock()
	n := len(h.sessions)
	h.mu.Unlock()
	return HubStats{Sessions: int64(n), Events: h.events.Load(), PositionFrames: h.frames.Load(),
		SlowClosed: h.slow.Load(), BadMessages: h.bad.Load(), Snapshots: h.snapshots.Load(), CatchUps: h.catchups.Load(),
		RevokedClosed: h.revoked.Load(), SnapshotTimeouts: h.snapTimeouts.Load(), Refused: h.refused.Load(), UnsentPeak: h.unsentPeak.Load()}
}

// Run fans events out from feed and flushes positions until ctx ends; then
// it closes every session, and returns once the positions sessions are
// handing on have been taken; it takes no more after.
func (h *Hub) Run(ctx context.Context, feed *Feed) {
	defer close(h.done)
	defer h.stopTaking()
	defer h.closeAll(CloseReason{CloseGoingAway, "server shutting down"})
	go h.flushLoop(ctx)
	for ctx.Err() == nil {
		sub, last := feed.SubscribeFrom(feedBuffer)
		h.mu.Lock()
		if last > h.last {
			// Sessions that attached while the hub was not subscribed
			// missed the events up to last: they resume from their own.
			h.closeAllLocked(CloseReason{CloseResync, "the server lost its place in the event feed: resume with since"})
			h.last = last
		}
		h.mu.Unlock()
		h.readyOnce.Do(func() { close(h.ready) })
		for ev := range sub.C {
			h.fanout(ev)
		}
		feed.Unsubscribe(sub)
		if errors.Is(sub.Err(), ErrSlow) {
			// The hub missed events: every session must resume from
			// what it last saw.
			h.closeAll(CloseReason{CloseResync, "the server fell behind the event feed: resume with since"})
			continue
		}
		return
	}
}

func (h *Hub) fanout(ev dispatchd.Event) {
	ab := classify(ev)
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.ID <= h.last {
		return
	}
	h.last = ev.ID
	if ab.topic == "" {
		h.applyRights(ev)
		return
	}
	if ab.topic == TopicTasks {
		h.noteWork(ab.team, ab.incident)
	}
	var frame []byte
	for s := range h.sessions {
		if !s.sub.Topics.Has(ab.topic) || !h.receives(s, &ev, ab) {
			continue
		}
		if frame == nil {
			frame = encodeEvent(ev)
		}
		if s.push(ev.ID, frame) {
			h.events.Add(1)
		} else {
			h.slow.Add(1)
		}
	}
}

// attach registers a session's subscription and returns the last event
// fanned out: every later event is queued to the session.
func (h *Hub) attach(s *Session, sub SubscribeRequest) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.omu.Lock()
	s.dropQueued(s.queue)
	s.queue = s.queue[:0]
	s.omu.Unlock()
	s.sub = sub
	h.sessions[s] = struct{}{}
	return h.last
}

func (h *Hub) detach(s *Session) {
	h.mu.Lock()
	delete(h.sessions, s)
	if set := h.users[s.user]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.users, s.user)
		}
	}
	h.mu.Unlock()
}

func (h *Hub) closeAll(r CloseReason) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closeAllLocked(r)
}

// closeAllLocked closes every session, subscribed or not: those that
// never subscribe (trackers) must not outlive an event they missed either.
func (h *Hub) closeAllLocked(r CloseReason) {
	for s := range h.sessions {
		s.close(r)
		delete(h.sessions, s)
	}
	for _, set := range h.users {
		for s := range set {
			s.close(r)
		}
	}
}
