// Package redisbus carries positions between dispatchd nodes over Redis:
// each batch is published on one channel, and the newest position of every
// unit is kept in one hash, so that a node that starts, or a snapshot it
// serves, has every unit. It is the only package that imports go-redis.
package redisbus

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"dispatchd"
	"dispatchd/realtime"
)

// DefaultPrefix starts the names of the channel and the hash, so that
// several deployments (or test runs) may share one Redis.
const DefaultPrefix = "dispatchd"

// queue is how many batches may wait for Redis before new ones are dropped
// (delivered here, not to the other nodes).
const queue = 4096

// Bus is a realtime.Bus over Redis pub/sub.
type Bus struct {
	rdb     *redis.Client
	node    string
	channel string // where batches are published
	latest  string // the hash of the newest position per unit
	deliver func([]realtime.Position)
	out     chan []realtime.Position
	own     func() []realtime.Position // this node's newest of every unit, for a resync

	published, dropped, failed, received atomic.Int64
}

// message is one published batch.
type message struct {
	Node      string              `json:"node"`
	Positions []realtime.Position `json:"positions"`
}

// Open connects to Redis at url; deliver receives every batch, this node's
// at once and the other nodes' as they arrive. The channel and the hash are
// named prefix+":positions" and prefix+":positions:latest"; an empty prefix
// is DefaultPrefix.
func Open(ctx context.Context, url, prefix string, deliver func([]realtime.Position)) (*Bus, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("connect to Redis at %s: %w", opt.Addr, err)
	}
	return &Bus{rdb: rdb, node: dispatchd.NewID(), channel: prefix + ":positions", latest: prefix + ":positions:latest",
		deliver: deliver, out: make(chan []realtime.Position, queue)}, nil
}

// ResyncFrom names where this node keeps the newest position of every unit
// it knows. When Redis comes back after an outage (it keeps nothing on
// disk, and it missed what was sent meanwhile), the bus writes those to the
// hash and publishes them before it reloads the hash: then every node has
// every unit's newest fix again, without waiting for each to report. Call
// it before Run.
func (b *Bus) ResyncFrom(own func() []realtime.Position) { b.own = own }

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

// Latest returns the newest position of every unit that Redis holds, by
// device time; values it cannot read are left out.
func (b *Bus) Latest(ctx context.Context) ([]realtime.Position, error) {
	m, err := b.rdb.HGetAll(ctx, b.latest).Result()
	if err != nil {
		return nil, fmt.Errorf("read the latest positions: %w", err)
	}
	out := make([]realtime.Position, 0, len(m))
	for team, v := range m {
		// A value that does not parse is skipped, not an error: one bad
		// entry must not keep a node from every other unit.
		if p, ok := parseValue(team, v); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// Run publishes and receives until ctx ends, reporting failures (Redis
// away) without stopping: go-redis reconnects, and on every (re)subscription
// the node reloads the latest positions so that it misses no unit. When
// ctx ends it sends what is queued in one last message (a send under way
// runs to its end, within its timeout) and returns.
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
		stopping := false
		select {
		case <-ctx.Done():
			// What waits goes out in one last message.
			stopping = true
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
		if len(batch) > 0 {
			// A send that has begun is not cut short when ctx ends; its
			// own timeout bounds it.
			if err := b.send(context.WithoutCancel(ctx), batch); err != nil {
				b.failed.Add(1)
				if time.Since(lastReport) > 10*time.Second {
					lastReport = time.Now()
					report(err)
				}
			} else {
				b.published.Add(1)
			}
		}
		if stopping {
			return
		}
	}
}

func (b *Bus) send(ctx context.Context, batch []realtime.Position) error {
	msg, err := json.Marshal(message{b.node, batch})
	if err != nil {
		return fmt.Errorf("encode positions: %w", err)
	}
	latest := make(map[string]realtime.Position, len(batch))
	for _, p := range batch {
		if cur, ok := latest[p.Team]; !ok || p.TS.After(cur.TS) {
			latest[p.Team] = p
		}
	}
	args := make([]any, 0, 2*len(latest))
	for team, p := range latest {
		v, err := value(p)
		if err != nil {
			return err
		}
		args = append(args, team, v)
	}
	keys := []string{b.latest}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// The hash is written before the message is published, in one round
	// trip, so that a node which hears the message and then reloads the
	// hash finds the fix there.
	var write *redis.Cmd
	var pub *redis.IntCmd
	_, err = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		write = writeLatest.EvalSha(ctx, p, keys, args...)
		pub = p.Publish(ctx, b.channel, msg)
		return nil
	})
	if redis.HasErrorPrefix(write.Err(), "NOSCRIPT") {
		// Redis restarted or flushed its scripts: the message went out, the
		// hash write did not. EVAL sends the source, which also caches it
		// for the next batch's EVALSHA.
		if err = writeLatest.Eval(ctx, b.rdb, keys, args...).Err(); err == nil {
			err = pub.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("publish positions to Redis: %w", err)
	}
	return nil
}

// stampLen is the length of a hash value's device time: the UTC time as
// YYYYMMDDhhmmss and nine digits of nanoseconds.
const stampLen = 23

// value is how a position is stored in the hash: its device time as
// stampLen digits, "|", and its JSON. Digits of one width sort as the times
// do, so the script compares them as strings; only digits, because Lua
// compares strings by the server's locale collation.
func value(p realtime.Position) (string, error) {
	js, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode the position of %s: %w", p.Team, err)
	}
	t := p.TS.UTC()
	v := make([]byte, 0, stampLen+1+len(js))
	switch {
	case t.Year() < 0: // before year 0 Format would write a sign
		v = append(v, strings.Repeat("0", stampLen)...)
	case t.Year() > 9999: // and after 9999 a fifth digit
		v = append(v, strings.Repeat("9", stampLen)...)
	default:
		v = t.AppendFormat(v, "20060102150405")
		v = fmt.Appendf(v, "%09d", t.Nanosecond())
	}
	v = append(v, '|')
	return string(append(v, js...)), nil
}

// parseValue reads a hash value. A value without the time, written by a
// node from before the time was stored, is taken as the bare JSON it is.
func parseValue(team, v string) (realtime.Position, bool) {
	js := v
	if len(v) > stampLen && v[stampLen] == '|' && digits(v[:stampLen]) {
		js = v[stampLen+1:]
	}
	var p realtime.Position
	if err := json.Unmarshal([]byte(js), &p); err != nil || p.Team != team {
		return realtime.Position{}, false
	}
	return p, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// writeLatest writes each unit's value to the hash KEYS[1] unless the value
// there is as new or newer, so that fixes which two nodes publish out of
// order never replace a unit's newest one. ARGV holds unit, value pairs,
// values made by value. A stored value without a time (an older node's, or
// garbage) is older than any. It returns how many units it wrote.
var writeLatest = redis.NewScript(`
local stamped = '^' .. string.rep('%d', 23) .. '|'
local n = 0
for i = 1, #ARGV, 2 do
	local cur = redis.call('HGET', KEYS[1], ARGV[i])
	if not cur or not string.find(cur, stamped)
		or string.sub(cur, 1, 23) < string.sub(ARGV[i + 1], 1, 23) then
		redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
		n = n + 1
	end
end
return n
`)

func (b *Bus) receive(ctx context.Context, report func(error)) {
	sub := b.rdb.Subscribe(ctx, b.channel)
	defer sub.Close()
	// Receive blocks in a read that ctx does not interrupt; closing the
	// subscription does, so that Run returns when ctx ends.
	stop := context.AfterFunc(ctx, func() { sub.Close() })
	defer stop()
	lost := false // the connection broke: what this node has, Redis may not
	for ctx.Err() == nil {
		m, err := sub.Receive(ctx)
		if err != nil {
			lost = true
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
			// this node's units go back to the hash and the other nodes,
			// and what the other nodes sent meanwhile is in the hash.
			if lost && b.own != nil {
				if ps := b.own(); len(ps) > 0 {
					if err := b.send(ctx, ps); err != nil {
						report(fmt.Errorf("resync positions: %w", err))
					}
				}
			}
			lost = false
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
