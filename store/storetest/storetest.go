// Package storetest is the conformance suite that every store must pass:
// the same tests, against the real database, for SQLite and PostgreSQL.
package storetest

import (
	"context"
	"testing"
	"time"

	"dispatchd"
	"dispatchd/auth"
	"dispatchd/coverage"
	"dispatchd/dispatch"
	"dispatchd/idempotency"
	"dispatchd/notify"
	"dispatchd/realtime"
	"dispatchd/recorder"
	"dispatchd/regions"
	"dispatchd/resources"
	"dispatchd/warning"
	"dispatchd/zones"
)

// Store is everything a store implements.
type Store interface {
	resources.Store
	auth.Store
	dispatch.Store
	regions.Store
	regions.RollupStore
	warning.Store
	notify.Store
	ListAudit(ctx context.Context, f dispatchd.EventFilter) ([]dispatchd.Event, error)
	AllStock(ctx context.Context) ([]resources.Stock, error)
	ListEvents(ctx context.Context, since int64, limit int) ([]dispatchd.Event, error)
	LastEventID(ctx context.Context) (int64, error)
	ClaimIdempotent(ctx context.Context, actor, key, method, path string, now time.Time) (*idempotency.Claim, *idempotency.Result, error)
	CompleteIdempotent(ctx context.Context, c *idempotency.Claim, status int, body []byte) error
	ReleaseIdempotent(ctx context.Context, c *idempotency.Claim) error
	Ready(ctx context.Context) error
	AppendPositions(ctx context.Context, ps []realtime.Position) error
	Track(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error)
	DeletePositionsBefore(ctx context.Context, t time.Time) (int64, error)
	LastPositions(ctx context.Context, teams []string, at time.Time, within time.Duration) ([]realtime.Position, error)
	recorder.Store
	zones.Store
	coverage.GapStore
	coverage.PopulationStore
}

// Open returns a new, empty, migrated store for one test or benchmark; it
// closes the store when that ends.
type Open func(tb testing.TB) Store

// Run runs the whole suite.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Ready", testReady},
		{"CoverageStates", testCoverageStates},
		{"Population", testPopulation},
		{"Items", testItems},
		{"ItemDecideErrorWritesNothing", testDecideError},
		{"DecidePanicLeavesNoTransaction", testDecidePanic},
		{"Teams", testTeams},
		{"TeamFilters", testTeamFilters},
		{"Depots", testDepots},
		{"RegistryPrefix", testRegistryPrefix},
		{"RegistryJurisdiction", testRegistryJurisdiction},
		{"ImportJurisdiction", testImportJurisdiction},
		{"UserJurisdiction", testUserJurisdiction},
		{"StockAdjust", testStockAdjust},
		{"StockNeverNegative", testStockNeverNegative},
		{"StockConcurrentWithdrawals", testStockConcurrent},
		{"Import", testImport},
		{"ImportStock", testImportStock},
		{"ImportStockBulk", testImportStockBulk},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Idempotency", testIdempotency},
		{"EventsEveryChange", testEventsEveryChange},
		{"EventsConcurrentWritersNoGaps", testEventsConcurrent},
		{"DispatchAllOrNothing", testDispatchAllOrNothing},
		{"OrderLifecycle", testOrderLifecycle},
		{"ExerciseNeverTouchesStock", testExerciseNeverTouchesStock},
		{"TaskLifecycle", testTaskLifecycle},
		{"EscalationOnce", testEscalation},
		{"ArrivalOnce", testArrivalOnce},
		{"ConcurrentOrdersNeverOverReserve", testConcurrentOrders},
		{"CancelIncidentReleases", testCancelIncidentReleases},
		{"IncidentFilters", testIncidentFilters},
		{"Positions", testPositions},
		{"PositionDays", testPositionDays},
		{"LastPositions", testLastPositions},
		{"ReviewScores", testReviewScores},
		{"Prepositions", testPrepositions},
		{"ReviewScoresByRegion", testReviewScoresByRegion},
		{"Checkpoints", testCheckpoints},
		{"ThinPositions", testThinPositions},
		{"PositionStaleOnce", testPositionStaleOnce},
		{"StaleWatch", testStaleWatch},
		{"Regions", testRegions},
		{"EventScope", testEventScope},
		{"SupportRequests", testSupportRequests},
		{"SuggestionRecords", testSuggestionRecords},
		{"DispatchNamesSuggestion", testDispatchNamesSuggestion},
		{"SupportEscalationOnce", testSupportEscalation},
		{"Rollup", testRollup},
		{"BoardScope", testBoardScope},
		{"Persons", testPersons},
		{"PersonsImport", testPersonsImport},
		{"Recipients", testRecipients},
		{"WarningCAP", testWarningCAP},
		{"WarningIssue", testWarningIssue},
		{"WarningRefused", testWarningRefused},
		{"WarningUpdateCancel", testWarningUpdateCancel},
		{"WarningVisibility", testWarningVisibility},
		{"WarningAnswers", testWarningAnswers},
		{"WarningEscalation", testWarningEscalation},
		{"WarningEscalator", testWarningEscalator},
		{"WarningEscalationOnce", testWarningEscalationOnce},
		{"WarningAnswerOnce", testWarningAnswerOnce},
		{"WarningProgress", testWarningProgress},
		{"WarningSummary", testWarningSummary},
		{"Outbox", testOutbox},
		{"Lease", testLease},
		{"SenderRestart10k", testSenderRestart},
		{"SendersTwoAtOnce", testSendersTwoAtOnce},
		{"SenderRetries", testSenderRetries},
		{"SenderLosesLease", testSenderLosesLease},
		{"SenderWebhook", testSenderWebhook},
		{"SenderLinkReceiptReply", testSenderLinkReceiptReply},
		{"Zones", testZones},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

var actor = dispatchd.Actor{UserID: "u1", Username: "tester", Role: dispatchd.RoleAdmin}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// result holds a value and an error until get checks the error.
type result[T any] struct {
	v   T
	err error
}

func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	noErr(t, r.err)
	return r.v
}

type result2[A, B any] struct {
	a   A
	b   B
	err error
}

func ok2[A, B any](a A, b B, err error) result2[A, B] { return result2[A, B]{a, b, err} }

func (r result2[A, B]) get(t *testing.T) (A, B) {
	t.Helper()
	noErr(t, r.err)
	return r.a, r.b
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := dispatchd.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func testReady(t *testing.T, s Store) {
	noErr(t, s.Ready(ctx(t)))
}

// events returns every event in the store.
func events(t *testing.T, s Store) []dispatchd.Event {
	t.Helper()
	var all []dispatchd.Event
	var since int64
	for {
		page := ok(s.ListEvents(ctx(t), since, 500)).get(t)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		since = page[len(page)-1].ID
	}
}
