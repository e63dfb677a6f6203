package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/realtime"
)

// add appends events of the given types, subjects and data, and wakes the
// feed.
func (e *hubEnv) add(evs ...dispatchd.Event) {
	e.log.mu.Lock()
	for _, ev := range evs {
		ev.ID = int64(len(e.log.evs) + 1)
		e.log.evs = append(e.log.evs, ev)
	}
	e.log.mu.Unlock()
	e.feed.Notify()
}

func event(typ, subject string, data any) dispatchd.Event {
	return dispatchd.NewEvent(typ, dispatchd.System, subject, data)
}

// session is a running session and what it wrote.
type session struct {
	s    *realtime.Session
	p    *pipe
	done chan realtime.CloseReason
}

// openAs opens a session for a with grant g; with topics it subscribes and
// waits for the snapshot, without (a tracker) it only runs.
func (e *hubEnv) openAs(t *testing.T, a dispatchd.Actor, g realtime.Grant, topics ...string) session {
	t.Helper()
	s, err := e.hub.Open(a, g)
	if err != nil {
		t.Fatal(err)
	}
	p := newPipe()
	done := make(chan realtime.CloseReason, 1)
	ended := make(chan struct{})
	go func() { done <- s.Run(p); close(ended) }()
	t.Cleanup(func() { s.Close(realtime.CloseReason{Code: 1000}); <-ended })
	t.Cleanup(p.release)
	if len(topics) > 0 {
		b, _ := json.Marshal(map[string]any{"op": "subscribe", "topics": topics})
		s.Handle(b)
		p.waitFor(t, "the snapshot", func(fs []frame) bool { return len(fs) > 0 && fs[0].Type == "snapshot" })
	}
	return session{s, p, done}
}

// closed waits for the session to end and returns why.
func (s session) closed(t *testing.T) realtime.CloseReason {
	t.Helper()
	select {
	case r := <-s.done:
		s.done <- r
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the session was not closed")
		return realtime.CloseReason{}
	}
}

// isOpen reports whether the session is still running.
func (s session) isOpen() bool {
	select {
	case r := <-s.done:
		s.done <- r
		return false
	default:
		return true
	}
}

type userData struct {
	Role     dispatchd.Role `json:"role"`
	Team     string         `json:"team,omitempty"`
	Depots   []string       `json:"depots,omitempty"`
	Disabled bool           `json:"disabled"`
}

// TestHubRightsEvents sends each event that ends a login or changes a
// user's rights: the sessions it concerns close with 4003 and a reason,
// before any later event reaches them (a task of the lead's old team);
// every other session stays open.
func TestHubRightsEvents(t *testing.T) {
	lead := dispatchd.Actor{UserID: "u-lead", Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t1"}
	manager := dispatchd.Actor{UserID: "u-mgr", Username: "mgr", Role: dispatchd.RoleDepotManager, Depots: []string{"d1", "d2"}}
	tracker := dispatchd.Actor{UserID: "u-trk", Username: "tracker-p1", Role: dispatchd.RoleTracker, Team: "t1"}
	tests := []struct {
		name string
		ev   dispatchd.Event
		// closed names the sessions that must close: lead1 and lead2 are
		// two logins of the lead, mgr the manager's, trk a tracker's.
		closed []string
		reason string
	}{
		{"logout ends its login only", event("auth.logout", "u-lead", map[string]string{"session": "ref-1"}), []string{"lead1"}, "logged out"},
		{"a refresh ends the login exchanged", event("auth.refresh", "u-lead", map[string]string{"session": "ref-2"}), []string{"lead2"}, "exchanged"},
		{"revoked logins end every session of the user", event("user.sessions_revoked", "u-lead", map[string]string{"reason": "password_changed"}), []string{"lead1", "lead2"}, "password_changed"},
		{"disabled", event("user.updated", "u-lead", userData{Role: dispatchd.RoleTeamLead, Team: "t1", Disabled: true}), []string{"lead1", "lead2"}, "disabled"},
		{"demoted", event("user.updated", "u-lead", userData{Role: dispatchd.RoleViewer}), []string{"lead1", "lead2"}, "role or bindings"},
		{"re-bound to another team", event("user.updated", "u-lead", userData{Role: dispatchd.RoleTeamLead, Team: "t2"}), []string{"lead1", "lead2"}, "role or bindings"},
		{"a depot taken away", event("user.updated", "u-mgr", userData{Role: dispatchd.RoleDepotManager, Depots: []string{"d1"}}), []string{"mgr"}, "role or bindings"},
		{"a tracker deleted (disabled)", event("user.updated", "u-trk", userData{Role: dispatchd.RoleTracker, Team: "t1", Disabled: true}), []string{"trk"}, "disabled"},
		{"the same rights in another order", event("user.updated", "u-mgr", userData{Role: dispatchd.RoleDepotManager, Depots: []string{"d2", "d1"}}), nil, ""},
		{"another user's logout", event("auth.logout", "u-other", map[string]string{"session": "ref-1"}), nil, ""},
		{"a login of the user that no session holds", event("auth.logout", "u-lead", map[string]string{"session": "ref-9"}), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newHub(t, realtime.HubConfig{})
			sessions := map[string]session{
				"lead1": e.openAs(t, lead, realtime.Grant{Session: "ref-1"}, "tasks"),
				"lead2": e.openAs(t, lead, realtime.Grant{Session: "ref-2"}, "tasks"),
				"mgr":   e.openAs(t, manager, realtime.Grant{Session: "ref-3"}, "orders"),
				"trk":   e.openAs(t, tracker, realtime.Grant{Session: "ref-4"}),
			}
			screen := e.openAs(t, viewer, realtime.Grant{}, "tasks")
			e.add(tt.ev, event("task.created", "task-1", map[string]string{"team": "t1"}))
			screen.p.waitFor(t, "the task", func(fs []frame) bool { return len(fs) == 2 })
			for name, s := range sessions {
				if !strings.Contains(strings.Join(tt.closed, " "), name) {
					continue
				}
				r := s.closed(t)
				if r.Code != realtime.CloseRevoked || !strings.Contains(r.Reason, tt.reason) {
					t.Errorf("%s: got %+v, want 4003 saying %q", name, r, tt.reason)
				}
				for _, f := range s.p.decoded(t) {
					if f.Type == "event" {
						t.Errorf("%s: got %+v after its rights ended", name, f)
					}
				}
			}
			for name, s := range sessions {
				if strings.Contains(strings.Join(tt.closed, " "), name) {
					continue
				}
				if name == "lead1" || name == "lead2" {
					s.p.waitFor(t, "the task", func(fs []frame) bool { return len(fs) == 2 })
				}
				if !s.isOpen() {
					t.Errorf("%s: closed with %+v, want it open", name, s.closed(t))
				}
			}
			if got, want := e.hub.Stats().RevokedClosed, int64(len(tt.closed)); got != want {
				t.Errorf("got %d sessions counted as revoked, want %d", got, want)
			}
		})
	}
}

// TestHubSessionExpires opens a session whose login expires in a moment:
// it closes with 4003 then, though nothing happens.
func TestHubSessionExpires(t *testing.T) {
	e := newHub(t, realtime.HubConfig{})
	a := dispatchd.Actor{UserID: "u-1", Username: "chief", Role: dispatchd.RoleCommander}
	s := e.openAs(t, a, realtime.Grant{Session: "ref-1", Expires: time.Now().Add(100 * time.Millisecond)}, "incidents")
	forever := e.openAs(t, a, realtime.Grant{Session: "ref-2"}, "incidents")
	if r := s.closed(t); r.Code != realtime.CloseRevoked || !strings.Contains(r.Reason, "expired") {
		t.Fatalf("got %+v, want 4003 saying the token expired", r)
	}
	if !forever.isOpen() {
		t.Fatal("a login without an end was closed")
	}
}

// TestHubPerUserCap opens sessions of one user up to the cap: the next is
// refused until one ends; other users, and sessions of nobody (tests),
// are not counted.
func TestHubPerUserCap(t *testing.T) {
	e := newHub(t, realtime.HubConfig{PerUser: 2})
	a := dispatchd.Actor{UserID: "u-1", Username: "chief", Role: dispatchd.RoleCommander}
	b := dispatchd.Actor{UserID: "u-2", Username: "deputy", Role: dispatchd.RoleCommander}
	s1, err := e.hub.Open(a, realtime.Grant{})
	if err != nil {
		t.Fatal(err)
	}
	e.openAs(t, a, realtime.Grant{}, "incidents")
	if _, err := e.hub.Open(a, realtime.Grant{}); dispatchd.ErrorCode(err) != dispatchd.ERATELIMITED {
		t.Fatalf("the third session of one user: got %v, want rate_limited", err)
	}
	e.openAs(t, b, realtime.Grant{}, "incidents")
	for range 3 {
		e.openAs(t, viewer, realtime.Grant{}, "incidents")
	}
	s1.Discard()
	if _, err := e.hub.Open(a, realtime.Grant{}); err != nil {
		t.Fatalf("after one ended: got %v, want a session", err)
	}
	if got := e.hub.Stats().Refused; got != 1 {
		t.Fatalf("got %d refused, want 1", got)
	}
}

// TestHubSendBudget holds one client's writes while large events come:
// it is closed as slow once more bytes wait for it than its budget, which
// its counters show was never exceeded, while another client receives
// every event.
func TestHubSendBudget(t *testing.T) {
	const budget = 16 << 10
	e := newHub(t, realtime.HubConfig{SendBudget: budget, EventBuffer: 1 << 20})
	slow := e.openAs(t, viewer, realtime.Grant{}, "teams")
	fast := e.openAs(t, viewer, realtime.Grant{}, "teams")
	slow.p.block()
	big := strings.Repeat("x", 1000)
	const n = 40
	for i := range n {
		e.add(event("team.updated", fmt.Sprint("t", i), map[string]string{"note": big}))
		fast.p.waitFor(t, "the next event", func(fs []frame) bool { return len(fs) == i+2 })
	}
	_, peak := slow.s.Unsent()
	slow.p.release()
	if r := slow.closed(t); r.Code != realtime.CloseSlow {
		t.Fatalf("got %+v, want closed as slow", r)
	}
	// The held write took one frame; the queue behind it held the rest.
	if peak > budget || peak < budget-2000 {
		t.Fatalf("got a peak of %d bytes unsent, want at most the budget %d and near it", peak, budget)
	}
	if st := e.hub.Stats(); st.UnsentPeak != peak || st.SlowClosed != 1 {
		t.Fatalf("got %+v, want the slow client's peak %d and one slow close", st, peak)
	}
	if got := len(fast.p.decoded(t)); got != n+1 {
		t.Fatalf("the fast client got %d frames, want %d", got, n+1)
	}
	// The writer counts a frame off once its write returns.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		now, _ := fast.s.Unsent()
		if now == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fast client has %d bytes unsent after reading everything, want 0", now)
		}
	}
}

// stuck is a client that takes nothing: every write waits until its
// deadline and times out.
type stuck struct{}

type timeout struct{}

func (timeout) Error() string { return "i/o timeout" }
func (timeout) Timeout() bool { return true }

func (stuck) Write(_ []byte, deadline time.Time) error {
	time.Sleep(time.Until(deadline))
	return timeout{}
}

func (stuck) Ping(time.Time) error { return nil }

// TestHubSnapshotDeadline subscribes a client that takes nothing: it is
// closed once its snapshot is not taken within SnapshotWait.
func TestHubSnapshotDeadline(t *testing.T) {
	e := newHub(t, realtime.HubConfig{SnapshotWait: 50 * time.Millisecond, WriteWait: time.Hour})
	s, err := e.hub.Open(viewer, realtime.Grant{})
	if err != nil {
		t.Fatal(err)
	}
	s.Handle([]byte(`{"op":"subscribe","topics":["incidents"]}`))
	done := make(chan realtime.CloseReason)
	go func() { done <- s.Run(stuck{}) }()
	select {
	case r := <-done:
		if r.Code != realtime.CloseSlow || !strings.Contains(r.Reason, "snapshot") {
			t.Fatalf("got %+v, want closed for not taking the snapshot", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session was not closed")
	}
	if got := e.hub.Stats().SnapshotTimeouts; got != 1 {
		t.Fatalf("got %d snapshot timeouts, want 1", got)
	}
}

// TestHubRevokedTrackerSendsNothing deletes a tracker (its user disabled)
// while its socket is open: the fixes it sends after are not taken, even
// before its socket has closed.
func TestHubRevokedTrackerSendsNothing(t *testing.T) {
	log := &memLog{}
	feed := realtime.NewFeed(log, 0, time.Hour)
	var taken atomic.Int64
	hub := realtime.NewHub(realtime.HubConfig{}, memState{log}, func(_ dispatchd.Actor, ps []realtime.Position) realtime.Result {
		taken.Add(int64(len(ps)))
		return realtime.Result{Accepted: len(ps)}
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = feed.Run(ctx) }()
	go func() { defer wg.Done(); hub.Run(ctx, feed) }()
	defer func() { cancel(); wg.Wait() }()
	e := &hubEnv{log, feed, hub}
	e.openAs(t, viewer, realtime.Grant{}, "incidents") // the hub follows the feed
	tracker := dispatchd.Actor{UserID: "u-trk", Username: "tracker-p1", Role: dispatchd.RoleTracker, Team: "t1"}
	s, err := hub.Open(tracker, realtime.Grant{Session: "ref-1"})
	if err != nil {
		t.Fatal(err)
	}
	fix := []byte(`{"op":"positions","positions":[{"team":"t1","lon":120.1,"lat":30.2,"ts":"2026-07-01T08:00:00Z"}]}`)
	s.Handle(fix)
	e.add(event("user.updated", "u-trk", userData{Role: dispatchd.RoleTracker, Team: "t1", Disabled: true}))
	for deadline := time.Now().Add(10 * time.Second); hub.Stats().RevokedClosed == 0; time.Sleep(time.Millisecond) {
		// The writer does not run: the socket stays open.
		if time.Now().After(deadline) {
			t.Fatalf("the tracker's session was not closed: %+v", hub.Stats())
		}
	}
	s.Handle(fix)
	if got := taken.Load(); got != 1 {
		t.Fatalf("got %d fixes taken, want only the one sent before the tracker was deleted", got)
	}
}

// TestHubSupportTopic sends support_request.* events on the support topic
// to the command center only: a screen subscribed to it gets them, one
// subscribed to incidents does not, and a team lead that asks for it gets
// only its own team's tasks.
func TestHubSupportTopic(t *testing.T) {
	e := newHub(t, realtime.HubConfig{})
	lead := dispatchd.Actor{UserID: "u-lead", Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t1"}
	support := e.openAs(t, viewer, realtime.Grant{}, "support", "tasks")
	incidents := e.openAs(t, viewer, realtime.Grant{}, "incidents", "tasks")
	leadS := e.openAs(t, lead, realtime.Grant{}, "support", "tasks")
	e.add(event("support_request.created", "sr-1", map[string]string{"id": "sr-1"}),
		event("support_request.answered", "sr-1", map[string]string{"id": "sr-1"}),
		event("task.created", "task-1", map[string]string{"team": "t1"}))
	want := map[string]int{"support": 4, "incidents": 2, "lead": 2} // the snapshot and each event
	for name, s := range map[string]session{"support": support, "incidents": incidents, "lead": leadS} {
		fs := s.p.waitFor(t, "the task", func(fs []frame) bool { return len(fs) > 0 && fs[len(fs)-1].ID == 3 })
		if len(fs) != want[name] {
			t.Errorf("%s: got %d frames %+v, want %d", name, len(fs), fs, want[name])
		}
	}
}

// TestHubWarningsTopic sends warning.* events on the warnings topic to the
// command center of the warning's regions only: a screen subscribed to it
// gets them, one subscribed to incidents does not, a team lead that asks
// for it gets none, and a county's viewer only its county's warnings.
func TestHubWarningsTopic(t *testing.T) {
	e := newHub(t, realtime.HubConfig{})
	lead := dispatchd.Actor{UserID: "u-lead", Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t1"}
	county := dispatchd.Actor{UserID: "u-cv", Username: "cviewer", Role: dispatchd.RoleViewer, Jurisdiction: "330127"}
	warnings := e.openAs(t, viewer, realtime.Grant{}, "warnings", "tasks")
	incidents := e.openAs(t, viewer, realtime.Grant{}, "incidents", "tasks")
	leadS := e.openAs(t, lead, realtime.Grant{}, "warnings", "tasks")
	countyS := e.openAs(t, county, realtime.Grant{}, "warnings")
	issued := event("warning.issued", "w-1", map[string]string{"id": "w-1"})
	issued.Scoped("", "330127")
	other := event("warning.issued", "w-2", map[string]string{"id": "w-2"})
	other.Scoped("", "330122")
	answered := event("warning.answered", "w-1", map[string]string{"warning": "w-1"})
	answered.Scoped("", "330127")
	e.add(issued, other, answered, event("task.created", "task-1", map[string]string{"team": "t1"}))
	// The snapshot and each event seen; the county sees its two.
	want := map[string]int{"warnings": 5, "incidents": 2, "lead": 2, "county": 3}
	last := map[string]int64{"warnings": 4, "incidents": 4, "lead": 4, "county": 3}
	for name, s := range map[string]session{"warnings": warnings, "incidents": incidents, "lead": leadS, "county": countyS} {
		fs := s.p.waitFor(t, "the last event", func(fs []frame) bool { return len(fs) > 0 && fs[len(fs)-1].ID == last[name] })
		if len(fs) != want[name] {
			t.Errorf("%s: got %d frames %+v, want %d", name, len(fs), fs, want[name])
		}
	}
}
