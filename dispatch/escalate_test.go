package dispatch

import (
	"context"
	"sync"
	"testing"
	"time"

	"dispatchd/dispatch/plan"
)

// holdStore escalates one due task, holding its transaction until told
// to go on; like a real store, it refuses to commit once the transaction's
// context has ended. Only what the escalator uses is implemented.
type holdStore struct {
	Store
	entered, release chan struct{}
	mu               sync.Mutex
	task             *Task
	committed        int
}

func (h *holdStore) DueTasks(ctx context.Context, now time.Time, limit int) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.task.Escalated {
		return nil, nil
	}
	return []string{h.task.ID}, nil
}

// DueSupportRequests finds no support request to escalate.
func (h *holdStore) DueSupportRequests(context.Context, time.Time, int) ([]string, error) {
	return nil, nil
}

func (h *holdStore) GetTask(ctx context.Context, id string) (*Task, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := *h.task
	return &t, nil
}

func (h *holdStore) GetIncident(ctx context.Context, id string) (*Incident, error) {
	return &Incident{ID: id, Type: "flood", Region: "330127"}, nil
}

func (h *holdStore) Apply(ctx context.Context, lock Lock, decide func(*Snapshot) (*Change, error)) error {
	close(h.entered)
	<-h.release
	h.mu.Lock()
	defer h.mu.Unlock()
	t := *h.task
	ch, err := decide(&Snapshot{Tasks: map[string]*Task{t.ID: &t}})
	if err != nil || ch == nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // rolled back
	}
	h.task = ch.Tasks[0]
	h.committed++
	return nil
}

// TestEscalatorFinishesItsRound stops the escalator while an escalation's
// transaction is open: the escalation commits, and then the loop returns.
// (Before, the stop cancelled the transaction.)
func TestEscalatorFinishesItsRound(t *testing.T) {
	st := &holdStore{entered: make(chan struct{}), release: make(chan struct{}),
		task: &Task{ID: "k1", Status: Assigned, AckBy: time.Now().Add(-time.Second)}}
	s := NewService(st, plan.NewProjection(plan.ProjectionConfig{}), Config{})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunEscalator(ctx, time.Hour, func(n int, err error) {})
	}()
	<-st.entered
	stop()
	close(st.release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunEscalator did not return after its context ended")
	}
	if st.committed != 1 || !st.task.Escalated {
		t.Fatalf("got %d commits, escalated %v; want the escalation under way committed once", st.committed, st.task.Escalated)
	}
}
