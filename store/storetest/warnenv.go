package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/regions"
	"dispatchd/warning"
)

// warnEnv is a warning service over a real store, with a clock the test
// moves, the channels sms and webhook, answer codes in a book the test
// fills (the outbox store that keeps them is another package's), and the
// boundaries of three counties and a township for polygons.
type warnEnv struct {
	s     Store
	spy   *issueSpy
	svc   *warning.Service
	clk   *testClock
	codes *codeBook
	p     map[string]*warning.Person
}

// issueSpy is the real store, remembering what the service asked it to
// issue: the outbox rows are read by the sender's store, not this one.
type issueSpy struct {
	Store
	mu      sync.Mutex
	last    *warning.Issue
	changes []warning.Change
}

func (s *issueSpy) IssueWarning(ctx context.Context, is *warning.Issue) error {
	s.mu.Lock()
	s.last = is
	s.mu.Unlock()
	return s.Store.IssueWarning(ctx, is)
}

// UpdateRecipients remembers the changes decide made.
func (s *issueSpy) UpdateRecipients(ctx context.Context, ids []string, decide func(*warning.Recipient, *warning.Warning) (*warning.Change, error)) ([]warning.Recipient, error) {
	return s.Store.UpdateRecipients(ctx, ids, func(r *warning.Recipient, w *warning.Warning) (*warning.Change, error) {
		ch, err := decide(r, w)
		if ch != nil && err == nil {
			s.mu.Lock()
			s.changes = append(s.changes, *ch)
			s.mu.Unlock()
		}
		return ch, err
	})
}

func (s *issueSpy) lastIssue() *warning.Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// codeBook holds answer codes by hash.
type codeBook struct {
	mu    sync.Mutex
	codes []notify.Code
}

func (b *codeBook) Code(_ context.Context, hash []byte) (*notify.Code, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.codes, func(c notify.Code) bool { return bytes.Equal(c.Hash, hash) })
	if i < 0 {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "code not found")
	}
	c := b.codes[i]
	return &c, nil
}

// add returns a new code for the subject, valid until expires.
func (b *codeBook) add(kind, subject string, expires time.Time) string {
	code, hash := notify.NewCode()
	b.mu.Lock()
	b.codes = append(b.codes, notify.Code{Hash: hash, Kind: kind, Subject: subject, Expires: expires})
	b.mu.Unlock()
	return code
}

func squareGeoJSON(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`,
		x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func ring(x0, y0, x1, y1 float64) [][2]float64 {
	return [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

var warnStart = time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC)

// warnPersons are the responsible persons of the tests: the province's,
// the city's, two of its counties' (淳安县 and 桐庐县), one township of
// 淳安县 with a village and a hazard point, and 西湖区's; each answers to
// the level above.
var warnPersons = []struct {
	key, name, phone, region string
	duty                     warning.Duty
	superior                 string
}{
	{"prov", "省值班", "13900000001", "330000", warning.DutyProvince, ""},
	{"city", "市值班", "13900000002", "330100", warning.DutyCity, "prov"},
	{"county", "县值班", "+86 139-0000-0003", "330127", warning.DutyCounty, "city"},
	{"town", "镇长", "13900000004", "330127101", warning.DutyTownship, "county"},
	{"village", "村主任", "13900000005", "330127101", warning.DutyVillage, "town"},
	{"point", "监测员", "13900000006", "330127101", warning.DutyHazardPoint, "town"},
	{"county2", "桐庐值班", "13900000007", "330122", warning.DutyCounty, "city"},
	{"other", "西湖值班", "13900000008", "330106", warning.DutyCounty, "city"},
}

func newWarnEnv(t *testing.T, s Store) *warnEnv {
	t.Helper()
	e := &warnEnv{s: s, spy: &issueSpy{Store: s}, clk: &testClock{t: warnStart}, codes: &codeBook{}, p: map[string]*warning.Person{}}
	e.svc = warning.NewService(e.spy)
	e.svc.SetClock(e.clk.now)
	e.svc.SetChannels(notify.SMS, notify.Webhook)
	e.svc.SetCodes(e.codes)
	e.svc.SetRegionNames(func(code string) string {
		return map[string]string{"330127": "淳安县", "330122": "桐庐县", "330127101": "千岛湖镇"}[code]
	})
	idx := regions.NewIndex([]regions.Region{
		{Code: "330127", Boundary: squareGeoJSON(118, 29, 119, 30)},
		{Code: "330122", Boundary: squareGeoJSON(119, 29, 120, 30)},
		{Code: "330106", Boundary: squareGeoJSON(121, 29, 122, 30)},
	})
	e.svc.SetCover(func(_ context.Context, r [][2]float64) ([]string, bool, error) { return idx.Cover(r), true, nil })
	for _, wp := range warnPersons {
		p := warning.Person{Name: wp.name, Phone: wp.phone, Region: wp.region, Duty: wp.duty}
		if wp.duty == warning.DutyHazardPoint {
			p.HazardPoint = "下姜村滑坡点"
		}
		if wp.superior != "" {
			p.Superior = e.p[wp.superior].ID
		}
		e.p[wp.key] = ok(e.svc.CreatePerson(ctx(t), actor, p)).get(t)
	}
	return e
}

// who returns the keys of the persons of the recipients, sorted.
func (e *warnEnv) who(rs []warning.Recipient) []string {
	out := []string{}
	for _, r := range rs {
		for k, p := range e.p {
			if p.ID == r.Person {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// recipients lists every recipient of a warning, by region then id.
func (e *warnEnv) recipients(t *testing.T, id string) []warning.Recipient {
	t.Helper()
	return ok(e.s.ListRecipients(ctx(t), warning.RecipientFilter{Warning: id, Limit: 10000})).get(t)
}

// rainstorm is an orange rainstorm warning for the regions, as JSON.
func rainstorm(regions ...string) warning.Warning {
	return warning.Warning{Level: "orange", Type: "rainstorm", Event: "暴雨", Headline: "暴雨橙色预警",
		Instruction: "1. 政府及相关部门按照职责做好防暴雨应急工作；2. 切断有危险的室外电源，暂停户外作业。",
		Areas:       []warning.Area{{Regions: regions}}}
}

// eventsOf returns the events of a type.
func eventsOf(t *testing.T, s Store, typ string) []dispatchd.Event {
	t.Helper()
	var out []dispatchd.Event
	for _, ev := range events(t, s) {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// wantFieldCode checks the error's code and that it names the field.
func wantFieldCode(t *testing.T, err error, code, field string) {
	t.Helper()
	wantCode(t, err, code)
	if !slices.ContainsFunc(dispatchd.ErrorFields(err), func(f dispatchd.FieldError) bool { return f.Field == field }) {
		t.Fatalf("got fields %v, want one on %s", dispatchd.ErrorFields(err), field)
	}
}
