package web_test

import (
	"encoding/json"
	"net/url"
	"testing"
)

type auditPage struct {
	Items []struct {
		ID      int64
		Type    string
		Actor   string
		Subject string
		Data    json.RawMessage
	}
	NextCursor string `json:"next_cursor"`
}

// TestAudit lists logins, failed logins, user and role changes and state
// changes with their actors, for an admin only.
func TestAudit(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "viewer", "password": "nope"}), 401)
		e.mustProblem(e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "nope"}), 401)
		login(t, e, "viewer")
		var u struct{ ID string }
		e.mustJSON(e.as("admin", "POST", "/api/v1/users", map[string]any{"username": "duty1", "password": "long enough 1", "role": "viewer"}), 201, &u)
		e.mustJSON(e.as("admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"role": "commander"}), 200, nil)
		var inc struct{ ID string }
		e.mustJSON(e.as("commander", "POST", "/api/v1/incidents", map[string]any{"type": "fire", "level": 3, "title": "仓库火情",
			"location": map[string]float64{"lon": 120.2, "lat": 30.2}}), 201, &inc)

		list := func(q url.Values) auditPage {
			t.Helper()
			var p auditPage
			e.mustJSON(e.as("admin", "GET", "/api/v1/audit?"+q.Encode(), nil), 200, &p)
			return p
		}
		p := list(url.Values{"type": {"auth."}, "limit": {"10"}})
		var got []string
		for _, ev := range p.Items {
			var d struct{ Address, Reason string }
			_ = json.Unmarshal(ev.Data, &d)
			if d.Address == "" {
				t.Errorf("%s by %s has no address", ev.Type, ev.Actor)
			}
			got = append(got, ev.Type+" "+ev.Actor+" "+d.Reason)
		}
		// Newest first: the test's own logins, then the environment's.
		want := []string{"auth.login viewer ", "auth.login_failed nobody unknown_user", "auth.login_failed viewer wrong_password"}
		if len(got) < 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("auth events: got %q, want %q first", got, want)
		}

		// The role change ended the user's logins: that is audited too.
		p = list(url.Values{"actor": {"admin"}, "type": {"user."}})
		if len(p.Items) < 3 || p.Items[0].Type != "user.sessions_revoked" || p.Items[1].Type != "user.updated" || p.Items[1].Subject != u.ID ||
			p.Items[2].Type != "user.created" {
			t.Fatalf("the admin's user changes: got %+v", p.Items)
		}
		var changed struct{ Role, Reason string }
		_ = json.Unmarshal(p.Items[1].Data, &changed)
		if changed.Role != "commander" {
			t.Fatalf("user.updated: got role %q, want commander", changed.Role)
		}
		_ = json.Unmarshal(p.Items[0].Data, &changed)
		if p.Items[0].Subject != u.ID || changed.Reason != "role_changed" {
			t.Fatalf("user.sessions_revoked: got %+v, want the user's, for role_changed", p.Items[0])
		}
		p = list(url.Values{"actor": {"commander"}, "type": {"incident.created"}})
		if len(p.Items) != 1 || p.Items[0].Subject != inc.ID {
			t.Fatalf("the commander's incident: got %+v", p.Items)
		}

		// Pages: newest first, each older than the last.
		first := list(url.Values{"limit": {"2"}})
		if len(first.Items) != 2 || first.NextCursor == "" || first.Items[0].ID <= first.Items[1].ID {
			t.Fatalf("first page: got %+v", first)
		}
		second := list(url.Values{"limit": {"2"}, "cursor": {first.NextCursor}})
		if len(second.Items) != 2 || second.Items[0].ID >= first.Items[1].ID {
			t.Fatalf("second page: got %+v after %+v", second.Items, first.Items)
		}

		e.mustProblem(e.as("commander", "GET", "/api/v1/audit", nil), 403)
		e.mustProblem(e.as("admin", "GET", "/api/v1/audit?from=yesterday", nil), 400, "from")
		e.mustProblem(e.as("admin", "GET", "/api/v1/audit?cursor=zz", nil), 400, "cursor")
	})
}
