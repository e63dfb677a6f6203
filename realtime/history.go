package realtime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// HistoryStore keeps the position history.
type HistoryStore interface {
	// AppendPositions writes a batch of positions, all or none.
	AppendPositions(ctx context.Context, ps []Position) error
	// DeletePositionsBefore removes positions with device times before t
	// and returns how many.
	DeletePositionsBefore(ctx context.Context, t time.Time) (int64, error)
}

// PartitionedHistoryStore is a HistoryStore that keeps positions in
// partitions by device time (PostgreSQL: a table a UTC day), so that
// expired history goes a partition at a time. History creates the
// partitions of the coming days whenever it prunes, and cuts at a
// partition's start: a fix is kept for the retention and at most one
// partition's span more.
type PartitionedHistoryStore interface {
	HistoryStore
	// PositionPartition returns the span of a partition; partitions start
	// at multiples of it since the zero time (UTC midnights for a day).
	PositionPartition() time.Duration
	// CreatePositionPartitions makes sure partitions exist for every device
	// time from from to to.
	CreatePositionPartitions(ctx context.Context, from, to time.Time) error
}

// ThinningHistoryStore is a HistoryStore that can thin old fixes.
type ThinningHistoryStore interface {
	HistoryStore
	// ThinPositions keeps, of the fixes of each whole UTC day that ends at
	// or before before, the first of each team in each interval of every
	// (intervals start at multiples of every since the Unix epoch), and
	// returns how many it removed. It works a day at a time and never
	// holds a write for long; a day already thinned at every is skipped,
	// and thinning again keeps the same fixes.
	ThinPositions(ctx context.Context, before time.Time, every time.Duration) (int64, error)
}

// HistoryPartitionsAhead is how many partitions past the current one a
// PartitionedHistoryStore is given, so that a day's fixes never wait for
// their partition.
const HistoryPartitionsAhead = 3

// HistoryConfig tunes the history writer; zero fields take defaults.
type HistoryConfig struct {
	// Buffer is how many positions may wait to be written, the batch being
	// written included; more are dropped, and counted.
	Buffer int
	// Batch is the most positions written in one transaction.
	Batch int
	// FlushEvery is how long a position may wait for its batch to fill.
	FlushEvery time.Duration
	// Retention is how long positions are kept, by device time.
	Retention time.Duration
	// Attempts is how many times a batch is tried before it is given up.
	Attempts int
	// RetryDelay is the wait after the first failed attempt; it doubles
	// after each one, up to MaxRetryDelay.
	RetryDelay time.Duration
	// ThinAfter is the age (by device time) past which a store that can
	// (ThinningHistoryStore) keeps only one fix per team per ThinEvery;
	// zero keeps every fix.
	ThinAfter time.Duration
	// ThinEvery is the interval of the thinning.
	ThinEvery time.Duration
}

// Defaults of HistoryConfig.
const (
	DefaultHistoryBuffer     = 100_000
	DefaultHistoryBatch      = 5000
	DefaultHistoryFlushEvery = 500 * time.Millisecond
	DefaultHistoryRetention  = 30 * 24 * time.Hour
	DefaultHistoryAttempts   = 4
	DefaultHistoryRetryDelay = 250 * time.Millisecond
	DefaultHistoryThinEvery  = 30 * time.Second
	// MaxRetryDelay bounds the wait between attempts at one batch.
	MaxRetryDelay = 5 * time.Second
	// HistoryDrainTimeout bounds how long Run spends writing what is left
	// once its context is done.
	HistoryDrainTimeout = 5 * time.Second
	// HistoryPruneEvery is how often positions older than the retention
	// are removed.
	HistoryPruneEvery = time.Hour
)

// HistoryStats counts what became of the positions given to a History.
type HistoryStats struct {
	// Written is how many positions reached the store.
	Written int64 `json:"written"`
	// Dropped is how many were refused because the buffer was full.
	Dropped int64 `json:"dropped"`
	// Failed is how many were given up after every attempt to write them
	// failed.
	Failed int64 `json:"failed"`
	// Pending is how many wait to be written, the batch being written
	// included.
	Pending int `json:"pending"`
}

// History writes accepted positions to the store in batches, off the path
// of ingest: Add only appends to a bounded buffer, and the one goroutine
// that runs Run writes it out. When the store is slow or down, positions
// wait in the buffer while a batch is retried; when the buffer is full,
// new positions are dropped and counted rather than making ingest wait.
// The live view never depends on it.
type History struct {
	st  HistoryStore
	cfg HistoryConfig
	now func() time.Time
	// full is signalled, without blocking, when a batch's worth is waiting.
	full chan struct{}

	mu  sync.Mutex
	buf []Position
	// spare is the backing array of the last batch taken, reused by buf.
	spare []Position
	// inflight is how many taken positions are not yet written or given up.
	inflight int

	written, dropped, failed atomic.Int64
}

// NewHistory returns a writer to st. Nothing is written until Run runs.
func NewHistory(st HistoryStore, cfg HistoryConfig) *History {
	setDefault(&cfg.Buffer, DefaultHistoryBuffer)
	setDefault(&cfg.Batch, DefaultHistoryBatch)
	setDefault(&cfg.FlushEvery, DefaultHistoryFlushEvery)
	setDefault(&cfg.Retention, DefaultHistoryRetention)
	setDefault(&cfg.Attempts, DefaultHistoryAttempts)
	setDefault(&cfg.RetryDelay, DefaultHistoryRetryDelay)
	setDefault(&cfg.ThinEvery, DefaultHistoryThinEvery)
	return &History{st: st, cfg: cfg, now: time.Now, full: make(chan struct{}, 1)}
}

// Config returns the configuration in effect, defaults filled in.
func (h *History) Config() HistoryConfig { return h.cfg }

// Add queues positions to be written. It never blocks on the store: what
// does not fit in the buffer is dropped and counted in Stats.
func (h *History) Add(ps ...Position) {
	if len(ps) == 0 {
		return
	}
	h.mu.Lock()
	room := max(h.cfg.Buffer-len(h.buf)-h.inflight, 0)
	n := min(len(ps), room)
	h.buf = append(h.buf, ps[:n]...)
	ready := len(h.buf) >= h.cfg.Batch
	h.mu.Unlock()
	if n < len(ps) {
		h.dropped.Add(int64(len(ps) - n))
	}
	if ready {
		select {
		case h.full <- struct{}{}:
		default: // a signal is already waiting
		}
	}
}

// Stats returns the counts so far.
func (h *History) Stats() HistoryStats {
	h.mu.Lock()
	pending := len(h.buf) + h.inflight
	h.mu.Unlock()
	return HistoryStats{Written: h.written.Load(), Dropped: h.dropped.Load(), Failed: h.failed.Load(), Pending: pending}
}

// Run writes the buffer out until ctx is done, then writes what is left,
// within HistoryDrainTimeout, and returns. Beside it, it removes positions
// older than the retention when it starts and every HistoryPruneEvery (a
// prune that takes long never holds up a batch), and stops that between
// two of the store's batches when ctx ends. Errors are
// passed to report (which may be nil) and never stop it: a batch that
// fails every attempt is given up and counted. Call Run once, from the
// goroutine that owns the writer; it is the only one that writes, and
// positions added after it returns stay in the buffer unwritten.
func (h *History) Run(ctx context.Context, report func(error)) {
	if report == nil {
		report = func(error) {}
	}
	pruned := make(chan struct{})
	go func() {
		defer close(pruned)
		h.pruneEvery(ctx, report)
	}()
	defer func() { <-pruned }()
	flush := time.NewTicker(h.cfg.FlushEvery)
	defer flush.Stop()
	var left []Position // taken but not written when ctx ended
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-flush.C:
			left = h.flush(ctx, report)
		case <-h.full:
			left = h.flush(ctx, report)
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), HistoryDrainTimeout)
	defer cancel()
	if len(left) > 0 {
		left = h.writeAll(dctx, left, report)
	}
	if len(left) == 0 {
		left = h.flush(dctx, report)
	}
	if len(left) > 0 {
		// Out of time: what is still buffered will not be written either.
		h.mu.Lock()
		rest := h.buf
		h.buf = nil
		h.inflight += len(rest)
		h.mu.Unlock()
		left = append(left, rest...)
		h.giveUp(left, report, fmt.Errorf("write position history: gave up positions at shutdown after %v: %w", HistoryDrainTimeout, dctx.Err()))
	}
}

// flush takes everything buffered and writes it in batches. It returns
// what it could not write because ctx ended, still counted in flight.
func (h *History) flush(ctx context.Context, report func(error)) []Position {
	h.mu.Lock()
	ps := h.buf
	h.buf, h.spare = h.spare[:0], nil
	h.inflight += len(ps)
	h.mu.Unlock()
	if len(ps) == 0 {
		return nil
	}
	if left := h.writeAll(ctx, ps, report); len(left) > 0 {
		return left
	}
	clear(ps) // let the positions' strings and pointers go
	h.mu.Lock()
	if cap(ps) <= h.cfg.Buffer {
		h.spare = ps[:0]
	}
	h.mu.Unlock()
	return nil
}

// writeAll writes taken positions in batches, retrying each with backoff.
// It returns the ones it did not get to because ctx ended.
func (h *History) writeAll(ctx context.Context, ps []Position, report func(error)) []Position {
	for len(ps) > 0 {
		batch := ps[:min(len(ps), h.cfg.Batch)]
		if !h.write(ctx, batch, report) {
			return ps
		}
		ps = ps[len(batch):]
		h.mu.Lock()
		h.inflight -= len(batch)
		h.mu.Unlock()
	}
	return nil
}

// write tries one batch until it is written or every attempt has failed,
// which gives it up and counts it; either way it is done with the batch.
// It returns false when ctx ended first, leaving the batch to the caller.
func (h *History) write(ctx context.Context, batch []Position, report func(error)) bool {
	delay := h.cfg.RetryDelay
	for attempt := 1; ; attempt++ {
		err := h.st.AppendPositions(ctx, batch)
		if err == nil {
			h.written.Add(int64(len(batch)))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt >= h.cfg.Attempts {
			h.failed.Add(int64(len(batch)))
			report(fmt.Errorf("write position history: gave up %d positions after %d attempts: %w", len(batch), attempt, err))
			return true
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(2*delay, MaxRetryDelay)
	}
}

// giveUp counts taken positions as failed and reports why.
func (h *History) giveUp(ps []Position, report func(error), err error) {
	h.failed.Add(int64(len(ps)))
	h.mu.Lock()
	h.inflight -= len(ps)
	h.mu.Unlock()
	report(fmt.Errorf("%w (%d positions)", err, len(ps)))
}

// pruneEvery prunes now and every HistoryPruneEvery until ctx ends.
func (h *History) pruneEvery(ctx context.Context, report func(error)) {
	t := time.NewTicker(HistoryPruneEvery)
	defer t.Stop()
	for {
		h.prune(ctx, report)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prune removes positions older than the retention; a partitioned store
// first gets the partitions of the coming days, and loses whole ones.
// Then, when ThinAfter is set, it thins the days older than that.
func (h *History) prune(ctx context.Context, report func(error)) {
	now := h.now()
	cut := now.Add(-h.cfg.Retention)
	if ps, ok := h.st.(PartitionedHistoryStore); ok {
		g := ps.PositionPartition()
		if err := ps.CreatePositionPartitions(ctx, now.Add(-g), now.Add(HistoryPartitionsAhead*g)); err != nil && ctx.Err() == nil {
			report(fmt.Errorf("create position history partitions: %w", err))
		}
		cut = cut.Truncate(g)
	}
	if _, err := h.st.DeletePositionsBefore(ctx, cut); err != nil && ctx.Err() == nil {
		report(fmt.Errorf("prune position history: %w", err))
	}
	if ts, ok := h.st.(ThinningHistoryStore); ok && h.cfg.ThinAfter > 0 {
		if _, err := ts.ThinPositions(ctx, now.Add(-h.cfg.ThinAfter), h.cfg.ThinEvery); err != nil && ctx.Err() == nil {
			report(fmt.Errorf("thin position history: %w", err))
		}
	}
}
