package recorder

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
)

// Leaser holds a named lease for one node at a time (the notify store's
// leases).
type Leaser interface {
	Lease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	Release(ctx context.Context, name, holder string) error
}

// DefaultEvery is how often the Checkpointer takes a checkpoint when
// events happened.
const DefaultEvery = 5 * time.Minute

// BaseEvery is how old a base may grow before the next checkpoint is a
// base again, so that a delta never carries more than a day of changes.
const BaseEvery = 24 * time.Hour

// leaseName is the lease the Checkpointer takes.
const leaseName = "recorder.checkpoints"

// Checkpointer takes a checkpoint every Every when events happened, on
// one node at a time. It keeps the state of its last checkpoint in memory
// and folds the events since; another node's checkpoint makes it read
// that one again.
type Checkpointer struct {
	svc    *Service
	lease  Leaser
	holder string
	every  time.Duration
	m      *Model
}

// NewCheckpointer returns a checkpointer over svc's store; holder names
// this node in the lease.
func NewCheckpointer(svc *Service, lease Leaser, holder string, every time.Duration) *Checkpointer {
	if every <= 0 {
		every = DefaultEvery
	}
	return &Checkpointer{svc: svc, lease: lease, holder: holder, every: every}
}

// Run takes checkpoints until ctx ends: one at once, then every Every.
// report gets each failure; the next round tries again.
func (c *Checkpointer) Run(ctx context.Context, report func(error)) {
	tick := time.NewTicker(c.every)
	defer tick.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = c.lease.Release(rctx, leaseName, c.holder)
	}()
	for {
		if _, err := c.Take(ctx); err != nil && ctx.Err() == nil && report != nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Take writes a checkpoint when this node holds the lease and events
// happened since the last one; the first is read from the store in one
// consistent read. It returns the checkpoint written, nil for none.
func (c *Checkpointer) Take(ctx context.Context) (*Checkpoint, error) {
	now := c.svc.now()
	ok, err := c.lease.Lease(ctx, leaseName, c.holder, now, now.Add(c.every+time.Minute))
	if err != nil || !ok {
		return nil, err
	}
	last, err := c.svc.store.LastCheckpoint(ctx)
	switch {
	case dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND:
		f, err := c.svc.store.RecorderFrame(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the first checkpoint: %w", err)
		}
		c.m = FromFrame(f)
		return c.put(ctx, true)
	case err != nil:
		return nil, err
	}
	if c.m == nil || c.m.EventID != last.EventID {
		if c.m, err = c.svc.load(ctx, last); err != nil {
			return nil, err
		}
	}
	from := c.m.EventID
	if err := c.svc.fold(ctx, c.m, time.Time{}); err != nil {
		c.m = nil
		return nil, err
	}
	if c.m.EventID == from {
		return nil, nil
	}
	return c.put(ctx, c.m.rebase || c.m.TS.Sub(c.m.BaseTS) >= BaseEvery)
}

func (c *Checkpointer) put(ctx context.Context, base bool) (*Checkpoint, error) {
	cp, err := c.m.Encode(base)
	if err == nil {
		err = c.svc.store.PutCheckpoint(ctx, cp)
	}
	if err != nil {
		id := c.m.EventID
		c.m = nil
		return nil, fmt.Errorf("write the checkpoint at event %d: %w", id, err)
	}
	return cp, nil
}
