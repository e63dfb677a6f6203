// Package redisbus carries positions between dispatchd nodes over Redis:
// each batch is published on one channel, and the newest position of every
// unit is kept in one hash, so that a node that starts, or a snapshot it
// serves, has every unit. It is the only package that imports go-redis.
package redisbus

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"dispatchd"
	"dispatchd/realtime"
)

// The Redis keys.
const (
	Channel   = "dispatchd:positions"
	LatestKey = "dispatchd:positions:latest"
)

// queue is how many batches may wait for Redis before new ones are dropped
// (delivered here, not to the other nodes).
const queue = 4096

// Bus is a realtime.Bus over Redis pub/sub.
type Bus struct {
	rdb     *redis.Client
	node    string
	deliver func([]realtime.Position)
	out     chan []realtime.Position

	published, dropped, failed, received atomic.Int64
}

// message is one published batch.
type message struct {
	Node      string              `json:"node"`
	Positions []realtime.Position `json:"positions"`
}

// Open connects to Redis at url; deliver receives every batch, this node's
// at once and the other nodes' as they arrive.
func Open(ctx context.Context, url string, deliver func([]realtime.Position)) (*Bus, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("connect to Redis at %s: %w", opt.Addr, err)
	}
	return &Bus{rdb: rdb, node: dispatchd.NewID(), deliver: deliver, out: make(chan []realtime.Position, queue)}, nil
}

// Close closes the connection.
func (b *Bus) Close() error { return b.rdb.Close() }

// Publish implements realtime.Bus: this node first, then Redis in the
// background; a batch that finds the queue full reaches this node only.
func (b *Bus) Publish(ps []realtime.Position) {
	b.deliver(ps)
	select {
	case b.out <- ps:
	default:
		b.dropped.Add(1)
	}
}

// Stats are the bus's counts of batches.
type Stats struct{ Published, Dropped, Failed, Received int64 }

// Stats returns the bus's counts.
func (b *Bus) Stats() Stats {
	return Stats{b.published.Load(), b.dropped.Load(), b.failed.Load(), b.received.Load()}
}

// Latest returns the newest position of every unit that Redis holds.
func (b *Bus) Latest(ctx context.Context) ([]realtime.Position, error) {
	m, err := b.rdb.HGetAll(ctx, LatestKey).Result()
	if err != nil {
		return nil, fmt.Errorf("read the latest positions: %w", err)
	}
	out := make([]realtime.Position, 0, len(m))
	for _, v := range m {
		var p realtime.Position
		if json.Unmarshal([]byte(v), &p) == nil && p.Team != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// Run publishes and receives until ctx ends, reporting failures (Redis
// away) without stopping: go-redis reconnects, and on every (re)subscription
// the node reloads the latest positions so that it misses no unit.
func (b *Bus) Run(ctx context.Context, report func(error)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.receive(ctx, report)
	}()
	b.publish(ctx, report)
	<-done
}

func (b *Bus) publish(ctx context.Context, report func(error)) {
	var lastReport time.Time
	for {
		var batch []realtime.Position
		select {
		case <-ctx.Done():
			return
		case ps := <-b.out:
			batch = append(batch, ps...)
		}
		// Whatever else waits goes in the same message.
	more:
		for len(batch) < 5000 {
			select {
			case ps := <-b.out:
				batch = append(batch, ps...)
			default:
				break more
			}
		}
		if err := b.send(ctx, batch); err != nil {
			b.failed.Add(1)
			if time.Since(lastReport) > 10*time.Second {
				lastReport = time.Now()
				report(err)
			}
			continue
		}
		b.published.Add(1)
	}
}

func (b *Bus) send(ctx context.Context, batch []realtime.Position) error {
	msg, err := json.Marshal(message{b.node, batch})
	if err != nil {
		return err
	}
	latest := make(map[string]realtime.Position, len(batch))
	for _, p := range batch {
		if cur, ok := latest[p.Team]; !ok || p.TS.After(cur.TS) {
			latest[p.Team] = p
		}
	}
	fields := make([]any, 0, 2*len(latest))
	for team, p := range latest {
		v, _ := json.Marshal(p)
		fields = append(fields, team, v)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, LatestKey, fields...)
		p.Publish(ctx, Channel, msg)
		return nil
	})
	if err != nil {
		return fmt.Errorf("publish positions to Redis: %w", err)
	}
	return nil
}

func (b *Bus) receive(ctx context.Context, report func(error)) {
	sub := b.rdb.Subscribe(ctx, Channel)
	defer sub.Close()
	for ctx.Err() == nil {
		m, err := sub.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil {
				report(fmt.Errorf("receive positions from Redis: %w", err))
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			continue
		}
		switch m := m.(type) {
		case *redis.Subscription:
			// Subscribed, or subscribed again after Redis came back:
			// what the other nodes sent meanwhile is in the hash.
			if ps, err := b.Latest(ctx); err != nil {
				report(err)
			} else if len(ps) > 0 {
				b.deliver(ps)
			}
		case *redis.Message:
			var msg message
			if err := json.Unmarshal([]byte(m.Payload), &msg); err != nil || msg.Node == b.node {
				continue
			}
			b.received.Add(1)
			b.deliver(msg.Positions)
		}
	}
}

var _ realtime.Bus = (*Bus)(nil)
