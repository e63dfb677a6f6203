package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/idempotency"
	"dispatchd/resources"
)

func testUsers(t *testing.T, s Store) {
	c := ctx(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := &auth.User{ID: "u-1", Username: "chief", Role: dispatchd.RoleCommander, PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
	ev := dispatchd.NewEvent("user.created", actor, u.ID, u)
	noErr(t, s.CreateUser(c, u, &ev))
	if ev.ID == 0 {
		t.Fatal("got event id 0, want it set")
	}
	dup := *u
	dup.ID = "u-2"
	ev2 := dispatchd.NewEvent("user.created", actor, dup.ID, dup)
	wantCode(t, s.CreateUser(c, &dup, &ev2), dispatchd.ECONFLICT)
	got := ok(s.GetUserByUsername(c, "chief")).get(t)
	if got.ID != "u-1" || got.Role != dispatchd.RoleCommander || got.Disabled || !got.CreatedAt.Equal(now) {
		t.Fatalf("got %+v", got)
	}
	_, err := s.GetUserByUsername(c, "nobody")
	wantCode(t, err, dispatchd.ENOTFOUND)
	up := ok(s.UpdateUser(c, "u-1", func(u *auth.User) (*dispatchd.Event, error) {
		u.Role, u.Depots, u.Disabled = dispatchd.RoleDepotManager, []string{"d1", "d2"}, true
		ev := dispatchd.NewEvent("user.updated", actor, u.ID, u)
		return &ev, nil
	})).get(t)
	got = ok(s.GetUser(c, "u-1")).get(t)
	if !got.Disabled || len(got.Depots) != 2 || got.Role != dispatchd.RoleDepotManager || up.Role != got.Role {
		t.Fatalf("got %+v", got)
	}
	seeds := []auth.User{
		{ID: "u-3", Username: "chief", Role: dispatchd.RoleViewer, PasswordHash: "x", CreatedAt: now, UpdatedAt: now},
		{ID: "u-4", Username: "lead", Role: dispatchd.RoleTeamLead, Team: "t1", PasswordHash: "x", CreatedAt: now, UpdatedAt: now},
	}
	evs := []dispatchd.Event{dispatchd.NewEvent("user.created", actor, "u-3", nil), dispatchd.NewEvent("user.created", actor, "u-4", nil)}
	if n := ok(s.ImportUsers(c, seeds, evs)).get(t); n != 1 {
		t.Fatalf("got %d users created, want 1 (chief exists)", n)
	}
	if got := ok(s.GetUserByUsername(c, "chief")).get(t); got.ID != "u-1" {
		t.Fatalf("an existing user was replaced: %+v", got)
	}
	list := ok(s.ListUsers(c, auth.UserFilter{Limit: 10})).get(t)
	if len(list) != 2 || list[0].Username != "chief" || list[1].Team != "t1" {
		t.Fatalf("got %+v", list)
	}
	list = ok(s.ListUsers(c, auth.UserFilter{Role: dispatchd.RoleTeamLead, Limit: 10})).get(t)
	if len(list) != 1 {
		t.Fatalf("got %d team leads, want 1", len(list))
	}
}

func testSessions(t *testing.T, s Store) {
	c := ctx(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	u := &auth.User{ID: "u-1", Username: "chief", Role: dispatchd.RoleCommander, PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
	ev := dispatchd.NewEvent("user.created", actor, u.ID, u)
	noErr(t, s.CreateUser(c, u, &ev))
	a := &auth.Session{TokenHash: []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), UserID: "u-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	b := &auth.Session{TokenHash: []byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), UserID: "u-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	noErr(t, s.CreateSession(c, a))
	noErr(t, s.CreateSession(c, b))
	sess, user := ok2(s.GetSession(c, a.TokenHash, now)).get(t)
	if !bytes.Equal(sess.TokenHash, a.TokenHash) || user.Username != "chief" || !sess.ExpiresAt.Equal(a.ExpiresAt) {
		t.Fatalf("got %+v %+v", sess, user)
	}
	_, _, err := s.GetSession(c, a.TokenHash, now.Add(2*time.Hour))
	wantCode(t, err, dispatchd.ENOTFOUND)
	_, _, err = s.GetSession(c, []byte("nope"), now)
	wantCode(t, err, dispatchd.ENOTFOUND)
	// Ending a session writes its event in the same transaction: every
	// node's hub closes the websockets it opened.
	out := dispatchd.NewEvent("auth.logout", actor, "u-1", auth.SessionEvent{Session: a.Ref()})
	noErr(t, s.RevokeSession(c, a.TokenHash, now, &out))
	_, _, err = s.GetSession(c, a.TokenHash, now)
	wantCode(t, err, dispatchd.ENOTFOUND)
	again := dispatchd.NewEvent("auth.logout", actor, "u-1", auth.SessionEvent{Session: a.Ref()})
	wantCode(t, s.RevokeSession(c, a.TokenHash, now, &again), dispatchd.ENOTFOUND)
	ok2(s.GetSession(c, b.TokenHash, now)).get(t)
	all := dispatchd.NewEvent("user.sessions_revoked", actor, "u-1", auth.SessionEvent{Reason: "disabled"})
	noErr(t, s.RevokeUserSessions(c, "u-1", now, &all))
	_, _, err = s.GetSession(c, b.TokenHash, now)
	wantCode(t, err, dispatchd.ENOTFOUND)
	evs := ok(s.ListEvents(c, ev.ID, 10)).get(t)
	var got []string
	for _, e := range evs {
		var d auth.SessionEvent
		noErr(t, json.Unmarshal(e.Data, &d))
		got = append(got, e.Type+" "+d.Session+d.Reason)
	}
	want := []string{"auth.logout " + a.Ref(), "user.sessions_revoked disabled"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("got events %v, want %v", got, want)
	}
	if a.Ref() == b.Ref() || len(a.Ref()) != 24 || strings.Contains(string(evs[0].Data), fmt.Sprintf("%x", a.TokenHash)) {
		t.Fatalf("session refs %q and %q: want distinct, 24 hex digits, not the token hash", a.Ref(), b.Ref())
	}
}

func testIdempotency(t *testing.T, s Store) {
	c := ctx(t)
	now := time.Now().UTC()
	claim := func(actor, key, path string, at time.Time) (*idempotency.Claim, *idempotency.Result) {
		t.Helper()
		cl, prev, err := s.ClaimIdempotent(c, actor, key, "POST", path, at)
		noErr(t, err)
		if (cl == nil) == (prev == nil) {
			t.Fatalf("got claim %v and result %v, want exactly one", cl, prev)
		}
		return cl, prev
	}
	k1, prev := claim("chief", "k1", "/api/v1/teams", now)
	if prev != nil {
		t.Fatalf("got %+v for a new key, want a claim", prev)
	}
	if _, prev = claim("chief", "k1", "/api/v1/teams", now); prev.Status != idempotency.StatusRunning {
		t.Fatalf("got %+v, want a running claim", prev)
	}
	noErr(t, s.CompleteIdempotent(c, k1, 201, []byte(`{"id":"t1"}`)))
	_, prev = claim("chief", "k1", "/api/v1/teams", now.Add(time.Hour))
	if prev == nil || prev.Status != 201 || string(prev.Body) != `{"id":"t1"}` || prev.Path != "/api/v1/teams" {
		t.Fatalf("got %+v, want the stored answer, however late the retry", prev)
	}
	if _, p := claim("other", "k1", "/api/v1/teams", now); p != nil {
		t.Fatalf("keys are per actor; got %+v", p)
	}
	k2, _ := claim("chief", "k2", "/x", now)
	noErr(t, s.ReleaseIdempotent(c, k2))
	if _, p := claim("chief", "k2", "/x", now); p != nil {
		t.Fatalf("a released key must be claimable again; got %+v", p)
	}

	// A claim whose request died with nothing carried out is taken over
	// once it is stale; the first request, should it still try to commit,
	// changes nothing, and its answer is not stored.
	reg := resources.NewService(s)
	old, _ := claim("chief", "k3", "/api/v1/items", now)
	if _, p := claim("chief", "k3", "/api/v1/items", now.Add(idempotency.StaleClaim/2)); p == nil || p.Status != idempotency.StatusRunning {
		t.Fatalf("a young claim: got %+v, want it still running", p)
	}
	retry, _ := claim("chief", "k3", "/api/v1/items", now.Add(idempotency.StaleClaim+time.Second))
	_, err := reg.CreateItem(idempotency.WithClaim(c, old), actor, newItem("1010101", "帐篷"))
	wantCode(t, err, dispatchd.ECONFLICT)
	if _, err := reg.Item(c, "1010101"); dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
		t.Fatalf("the request that lost its claim created the item: %v", err)
	}
	noErr(t, s.CompleteIdempotent(c, old, 409, []byte(`{}`)))
	ok(reg.CreateItem(idempotency.WithClaim(c, retry), actor, newItem("1010101", "帐篷"))).get(t)
	if _, p := claim("chief", "k3", "/api/v1/items", now.Add(idempotency.StaleClaim+2*time.Second)); p == nil || p.Status != idempotency.StatusRunning {
		t.Fatalf("carried out a moment ago, its answer not yet stored: got %+v, want still running", p)
	}

	// The claim is marked in the commit that carried the request out: if
	// its answer is then lost (the store went away before it was stored),
	// a retry learns that it was carried out, and nothing runs twice,
	// however late the retry.
	if _, p := claim("chief", "k3", "/api/v1/items", now.Add(time.Hour)); p == nil || p.Status != idempotency.StatusCarriedOut {
		t.Fatalf("got %+v, want carried out", p)
	}
	noErr(t, s.ReleaseIdempotent(c, retry))
	if _, p := claim("chief", "k3", "/api/v1/items", now.Add(time.Hour)); p == nil || p.Status != idempotency.StatusCarriedOut {
		t.Fatalf("after a release: got %+v, want still carried out", p)
	}
	noErr(t, s.CompleteIdempotent(c, retry, 201, []byte(`{"code":"1010101"}`)))
	if _, p := claim("chief", "k3", "/api/v1/items", now.Add(time.Hour)); p == nil || p.Status != 201 {
		t.Fatalf("got %+v, want the stored answer", p)
	}
}
