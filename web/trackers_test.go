package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"dispatchd/store/postgres"
	"dispatchd/store/sqlite"
	"dispatchd/web"
)

// createdTracker is the answer of POST /api/v1/trackers.
type createdTracker struct {
	ID    string `json:"id"`
	Team  string `json:"team"`
	Token string `json:"token"`
	URL   string `json:"url"`
}

// newTracker registers a tracker for team t1, with a device id of the
// service's making when id is "".
func newTracker(e *env, id string) createdTracker {
	e.t.Helper()
	var tr createdTracker
	e.mustJSON(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": id, "team": "t1"}), 201, &tr)
	return tr
}

// get sends a GET to an absolute URL, as a tracker app does, from the
// address given (through a trusted proxy's X-Forwarded-For) unless "".
func get(t *testing.T, url, from string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// withoutRequestID is a problem body without the request id, which every
// answer has its own of.
func withoutRequestID(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	delete(m, "request_id")
	out, _ := json.Marshal(m)
	return string(out)
}

// dbRows runs a query on the env's own database and returns each row's
// columns as bytes (text and bytea alike).
func dbRows(e *env, query string) [][][]byte {
	e.t.Helper()
	var out [][][]byte
	switch st := e.store.(type) {
	case *postgres.Store:
		rows, err := st.Pool().Query(context.Background(), query)
		if err != nil {
			e.t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var row [][]byte
			for _, v := range rows.RawValues() {
				row = append(row, bytes.Clone(v))
			}
			out = append(out, row)
		}
		if err := rows.Err(); err != nil {
			e.t.Fatal(err)
		}
	case *sqlite.Store:
		db, err := sql.Open("sqlite", "file:"+st.Path()+"?mode=ro")
		if err != nil {
			e.t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query(query)
		if err != nil {
			e.t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			var row [][]byte
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					row = append(row, v)
				default:
					row = append(row, []byte(fmt.Sprint(v)))
				}
			}
			out = append(out, row)
		}
		if err := rows.Err(); err != nil {
			e.t.Fatal(err)
		}
	default:
		e.t.Fatalf("no raw access to a %T", st)
	}
	return out
}

// TestTrackerKey: a fix moves a team only with the tracker's secret. The
// URL that registering answers works verbatim once the app appends its
// parameters; no key, a wrong key, another tracker's id and an unknown id
// all get one same answer; the secret is kept only as its SHA-256.
func TestTrackerKey(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		tr := newTracker(e, "")
		if !regexp.MustCompile(`^[a-z2-7]{26}$`).MatchString(tr.ID) || tr.Team != "t1" || len(tr.Token) < 43 {
			t.Fatalf("got %+v, want a 128-bit device id and a 256-bit secret", tr)
		}
		if want := e.url + "/osmand?key=" + tr.Token; tr.URL != want {
			t.Fatalf("got url %q, want %q", tr.URL, want)
		}
		other := newTracker(e, "834521")

		// The app appends its parameters to the URL it was given.
		ts := time.Now().Add(-time.Minute).Unix()
		fix := fmt.Sprintf("&id=%s&timestamp=%d&lat=30.2301&lon=120.2001&speed=0&accuracy=8&batt=80", tr.ID, ts)
		var res ingestResult
		e.mustJSON(get(t, tr.URL+fix, ""), 200, &res)
		if res.Accepted != 1 {
			t.Fatalf("got %+v, want the fix accepted", res)
		}
		// The token parameter is the same proof.
		e.mustJSON(e.call("GET", fmt.Sprintf("/osmand?id=%s&token=%s&timestamp=%d&lat=30.2302&lon=120.2002", tr.ID, tr.Token, ts+1), "", nil), 200, &res)
		// A GET is read from its query whatever content type it names.
		e.mustJSON(e.call("GET", fmt.Sprintf("/osmand?key=%s&id=%s&timestamp=%d&lat=30.2303&lon=120.2003", tr.Token, tr.ID, ts+2), "", nil,
			"Content-Type", "application/json"), 200, &res)

		at := "&lat=30.2&lon=120.2"
		cases := []struct{ name, path string }{
			{"no key", "/osmand?id=" + tr.ID + at},
			{"empty key", "/osmand?key=&id=" + tr.ID + at},
			{"wrong key", "/osmand?key=wrong&id=" + tr.ID + at},
			{"wrong token", "/osmand?token=wrong&id=" + tr.ID + at},
			{"another tracker's key", "/osmand?key=" + other.Token + "&id=" + tr.ID + at},
			{"unknown id", "/osmand?key=" + tr.Token + "&id=999999" + at},
			{"unknown id, no key", "/osmand?id=999999" + at},
			{"a user's token", "/osmand?key=" + e.tokens["tracker"] + "&id=tracker" + at},
		}
		var first string
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.call("GET", c.path, "", nil)
				e.mustProblem(r, 401)
				got := withoutRequestID(t, r.body)
				if first == "" {
					first = got
				}
				if got != first {
					t.Fatalf("got %s, want the same answer as every failed proof: %s", got, first)
				}
			})
		}

		// Only the secret's SHA-256 is kept.
		rows := dbRows(e, `SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'tracker-`+tr.ID+`'`)
		sum := sha256.Sum256([]byte(tr.Token))
		if len(rows) != 1 || !bytes.Equal(rows[0][0], sum[:]) {
			t.Fatalf("got sessions %x, want one row holding sha256 of the secret %x", rows, sum)
		}
		for _, table := range []string{"users", "sessions", "events", "idempotency"} {
			for _, row := range dbRows(e, "SELECT * FROM "+table) {
				for _, col := range row {
					if bytes.Contains(col, []byte(tr.Token)) {
						t.Fatalf("table %s holds the secret in plain text: %s", table, col)
					}
				}
			}
		}

		// A deleted tracker's URL is refused like any wrong key.
		e.mustJSON(e.as("commander", "DELETE", "/api/v1/trackers/"+tr.ID, nil), 204, nil)
		r := get(t, tr.URL+fix, "")
		e.mustProblem(r, 401)
		if got := withoutRequestID(t, r.body); got != first {
			t.Fatalf("deleted tracker: got %s, want %s", got, first)
		}
	})
}

// TestTrackerKeyThrottle: an address that keeps failing tracker proofs
// is answered 429 with Retry-After, even for a right key, while the right
// tracker from another address keeps reporting.
func TestTrackerKeyThrottle(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	e := newEnv(t, "sqlite", func(c *web.Config) {
		c.TrustedProxies = []*net.IPNet{loopback}
		c.Limits.KeyFailureRate, c.Limits.KeyFailureBurst = 0.01, 5
	})
	tr := newTracker(e, "phone-1")
	attacker, phone := "203.0.113.7", "198.51.100.9"
	fix := func(n int) string {
		return fmt.Sprintf("&id=phone-1&timestamp=%d&lat=30.23&lon=120.2", time.Now().Add(-time.Minute).Unix()+int64(n))
	}
	for i := range 5 {
		if r := get(t, e.url+"/osmand?key=guess"+fmt.Sprint(i)+fix(0), attacker); r.status != 401 {
			t.Fatalf("failure %d: got %d %s, want 401", i+1, r.status, r.body)
		}
	}
	for i, url := range []string{e.url + "/osmand?key=guess9" + fix(0), tr.URL + fix(1)} {
		r := get(t, url, attacker)
		e.mustProblem(r, 429)
		if r.header.Get("Retry-After") == "" {
			t.Fatalf("request %d after the flood: got 429 without Retry-After", i)
		}
	}
	var res ingestResult
	e.mustJSON(get(t, tr.URL+fix(2), phone), 200, &res)
	if res.Accepted != 1 {
		t.Fatalf("the phone from another address: got %+v, want its fix accepted", res)
	}
}

// traccarJSON is what Traccar Client 9 posts, with the legacy "_" string
// when legacy is set.
func traccarJSON(device string, ts time.Time, accuracy float64, legacy bool) string {
	loc := map[string]any{
		"timestamp": ts.UTC().Format("2006-01-02T15:04:05.000Z"),
		"coords": map[string]any{"latitude": 30.2301, "longitude": 120.2001, "accuracy": accuracy,
			"speed": 12.5, "heading": 271.5, "altitude": 42.0},
		"is_moving": true, "odometer": 1234, "event": "motionchange",
		"battery":  map[string]any{"level": 0.8, "is_charging": false},
		"activity": map[string]any{"type": "in_vehicle"},
		"extras":   map[string]any{},
	}
	if legacy {
		loc["_"] = fmt.Sprintf("&id=%s&lat=30.2301&lon=120.2001&timestamp=%s&", device, loc["timestamp"])
	}
	b, _ := json.Marshal(map[string]any{"location": loc, "device_id": device})
	return string(b)
}

// TestTraccarClientJSON posts Traccar Client 9's JSON, with and without
// the legacy "_" string, to the URL registering answered: the fix reaches
// the screens with its speed in m/s, heading, accuracy, altitude and
// battery, and a fix 5 km inaccurate is dropped.
func TestTraccarClientJSON(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		tr := newTracker(e, "")
		screen := e.ws("commander")
		screen.send(map[string]any{"op": "subscribe", "topics": []string{"positions"}})
		screen.until(isType("snapshot"))
		post := func(body string) ingestResult {
			t.Helper()
			resp, err := http.Post(tr.URL, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			var res ingestResult
			e.mustJSON(response{status: resp.StatusCode, body: data}, 200, &res)
			return res
		}
		start := time.Now().Add(-time.Minute).Truncate(time.Second)
		for i, legacy := range []bool{false, true} {
			ts := start.Add(time.Duration(i) * time.Second)
			if res := post(traccarJSON(tr.ID, ts, 8, legacy)); res.Accepted != 1 {
				t.Fatalf("legacy %v: got %+v, want the fix accepted", legacy, res)
			}
			type pos struct {
				Team                                        string
				TS                                          time.Time
				Lon, Lat                                    float64
				Speed, Heading, Accuracy, Altitude, Battery *float64
			}
			var got *pos
			for got == nil {
				_ = screen.c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, b, err := screen.c.ReadMessage()
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				var m struct {
					Type  string
					Items []pos
				}
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				for _, p := range m.Items {
					if m.Type == "positions" && p.Team == "t1" && p.TS.Equal(ts) {
						got = &p
					}
				}
			}
			f := func(p *float64) any {
				if p == nil {
					return nil
				}
				return *p
			}
			if f(got.Speed) != 12.5 || f(got.Heading) != 271.5 || f(got.Accuracy) != 8.0 || f(got.Altitude) != 42.0 ||
				f(got.Battery) != 80.0 || got.Lat != 30.2301 || got.Lon != 120.2001 {
				t.Fatalf("legacy %v: got speed %v heading %v accuracy %v altitude %v battery %v at %v,%v; want 12.5 m/s, 271.5°, 8 m, 42 m, 80 %% at 30.2301,120.2001",
					legacy, f(got.Speed), f(got.Heading), f(got.Accuracy), f(got.Altitude), f(got.Battery), got.Lat, got.Lon)
			}
		}
		for _, legacy := range []bool{false, true} {
			res := post(traccarJSON(tr.ID, start.Add(5*time.Second), 5000, legacy))
			if res.Accepted != 0 || len(res.Rejected) != 1 || res.Rejected[0].Reason != "inaccurate" {
				t.Fatalf("legacy %v, 5 km accuracy: got %+v, want it dropped as inaccurate", legacy, res)
			}
		}
		// Without the key in the URL the JSON is refused like any wrong key.
		r := e.call("POST", "/osmand", "", traccarJSON(tr.ID, start.Add(9*time.Second), 8, true))
		e.mustProblem(r, 401)
	})
}

// TestIdempotentSecrets: an answer that holds a secret (a tracker's key, a
// refreshed token) is never stored; a retry with the same Idempotency-Key
// carries nothing out again and is answered 409 without the secret.
func TestIdempotentSecrets(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		var tr createdTracker
		e.mustJSON(e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": "idem-1", "team": "t1"}, "Idempotency-Key", "tr-1"), 201, &tr)
		var login struct{ Token string }
		e.mustJSON(e.as("viewer", "POST", "/api/v1/auth/refresh", nil, "Idempotency-Key", "rf-1"), 200, &login)
		if tr.Token == "" || login.Token == "" {
			t.Fatalf("got %+v and %+v, want a secret in each first answer", tr, login)
		}

		r := e.as("commander", "POST", "/api/v1/trackers", map[string]string{"id": "idem-1", "team": "t1"}, "Idempotency-Key", "tr-1")
		e.mustProblem(r, 409)
		if bytes.Contains(r.body, []byte(tr.Token)) {
			t.Fatalf("the retry answered the secret: %s", r.body)
		}
		// The refreshed token retries its own refresh with the same key.
		r = e.call("POST", "/api/v1/auth/refresh", login.Token, nil, "Idempotency-Key", "rf-1")
		e.mustProblem(r, 409)
		if bytes.Contains(r.body, []byte(login.Token)) {
			t.Fatalf("the retry answered the token: %s", r.body)
		}
		var page struct{ Items []struct{ Username string } }
		e.mustJSON(e.as("admin", "GET", "/api/v1/users?role=tracker", nil), 200, &page)
		if n := len(page.Items); n != 2 {
			t.Fatalf("got %d trackers, want the seeded one and one made once", n)
		}

		rows := dbRows(e, "SELECT path, status, body FROM idempotency")
		if len(rows) < 2 {
			t.Fatalf("got %d idempotency rows, want both requests recorded", len(rows))
		}
		for _, row := range rows {
			for _, secret := range []string{tr.Token, login.Token} {
				if bytes.Contains(row[2], []byte(secret)) {
					t.Fatalf("idempotency row %s %s holds a secret: %s", row[0], row[1], row[2])
				}
			}
		}
	})
}
