package realtime

import (
	"context"
	"sync"
	"time"
)

// TeamView is a view of the registry that follows the event feed, such as
// the dispatch view: it answers at once, but a team created a moment ago
// on any node may not be in it yet.
type TeamView interface {
	HasTeam(team string) bool
	// WaitFor waits until the view has applied event id, or ctx ends.
	WaitFor(ctx context.Context, id int64) error
}

// EventLog tells the id of the newest event in the store.
type EventLog interface {
	LastEventID(ctx context.Context) (int64, error)
}

// maxMissed bounds the teams remembered as missing: past it the memory
// starts over, so that made-up team names cannot grow it without end.
const maxMissed = 4096

// Teams says whether a team exists, for the ingest. A team in the view is
// known at once, with no store query. On a miss the view may only be
// behind (a tracker that posts right after its team was registered, or a
// batch sent to another node): Teams then reads the store's newest event
// id, waits at most within for the view to apply it, and asks again. It
// remembers the event id at which each team was last found missing, and
// waits again for that team only once the store has moved past it: a
// flood of positions for teams that do not exist costs one event id read
// each, and no wait.
type Teams struct {
	view   TeamView
	log    EventLog
	within time.Duration

	mu     sync.Mutex
	missed map[string]int64 // team → the store's newest event id when it was last missing
}

// NewTeams returns the team check of view, caught up with log on a miss
// for at most within.
func NewTeams(view TeamView, log EventLog, within time.Duration) *Teams {
	return &Teams{view: view, log: log, within: within, missed: map[string]int64{}}
}

// Known reports whether the team exists. It blocks for at most the
// Teams' within, and only on a miss.
func (t *Teams) Known(team string) bool {
	if t.view.HasTeam(team) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.within)
	defer cancel()
	id, err := t.log.LastEventID(ctx)
	if err != nil {
		return false
	}
	t.mu.Lock()
	seen, ok := t.missed[team]
	t.mu.Unlock()
	if ok && seen >= id {
		// Nothing happened since the team was last missing: the view,
		// asked above, is the answer.
		return false
	}
	// Past within the view is read as it stands.
	_ = t.view.WaitFor(ctx, id)
	known := t.view.HasTeam(team)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case known:
		delete(t.missed, team)
	case id > t.missed[team]:
		if len(t.missed) >= maxMissed {
			clear(t.missed)
		}
		t.missed[team] = id
	}
	return known
}
