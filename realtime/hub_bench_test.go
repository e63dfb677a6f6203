package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dispatchd"
)

// countingWriter discards frames and counts them.
type countingWriter struct{ frames *atomic.Int64 }

func (w countingWriter) Write([]byte, time.Time) error { w.frames.Add(1); return nil }
func (w countingWriter) Ping(time.Time) error          { return nil }

// nullState answers snapshots with nothing.
type nullState struct{}

func (nullState) State(context.Context, StateQuery) (*State, error) { return &State{}, nil }
func (nullState) ListEvents(context.Context, int64, int) ([]dispatchd.Event, error) {
	return nil, nil
}
func (nullState) LastEventID(context.Context) (int64, error) { return 0, nil }
func (nullState) TeamIncidents(context.Context, string) ([]string, error) {
	return nil, nil
}

const (
	benchScreens = 200
	benchBatch   = 500 // units moved per flush: 10,000 positions/s at a 50 ms flush
)

func benchPositions(n int) []Position {
	ps := make([]Position, n)
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for i := range ps {
		ps[i] = Position{Team: fmt.Sprintf("team-%04d", i), Lon: 120 + float64(i)/1e4, Lat: 30, TS: t0}
	}
	return ps
}

// BenchmarkHubFlush measures one flush of the hub: benchBatch moved units,
// encoded once and written to benchScreens sessions. Compare it with
// BenchmarkBroadcastBaseline, the same positions sent as a plain broadcast.
func BenchmarkHubFlush(b *testing.B) {
	h := NewHub(HubConfig{UnitEvery: time.Nanosecond, Flush: time.Hour}, nullState{}, nil)
	close(h.ready)
	var frames atomic.Int64
	var wg sync.WaitGroup
	for range benchScreens {
		s, _ := h.Open(dispatchd.Actor{Role: dispatchd.RoleViewer}, Grant{})
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(countingWriter{&frames}) }()
		msg, _ := json.Marshal(map[string]any{"op": "subscribe", "topics": []string{"positions"}})
		s.Handle(msg)
	}
	for h.Stats().Sessions < benchScreens {
		time.Sleep(time.Millisecond)
	}
	ps := benchPositions(benchBatch)
	now := time.Now()
	b.ResetTimer()
	for range b.N {
		want := frames.Load() + benchScreens
		for j := range ps {
			ps[j].TS = ps[j].TS.Add(time.Millisecond) // each fix newer than the last
		}
		h.Move(ps)
		now = now.Add(time.Millisecond)
		h.flushPositions(now)
		for frames.Load() < want {
			// every screen has written it
		}
	}
	b.StopTimer()
	h.closeAll(CloseReason{CloseNormal, "done"})
	wg.Wait()
}

// BenchmarkBroadcastBaseline sends the same batch to as many clients as
// gorilla/websocket's chat example does: encoded once, a buffered channel
// and a writer goroutine per client.
func BenchmarkBroadcastBaseline(b *testing.B) {
	var frames atomic.Int64
	w := countingWriter{&frames}
	chans := make([]chan []byte, benchScreens)
	var wg sync.WaitGroup
	for i := range chans {
		chans[i] = make(chan []byte, 256)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range chans[i] {
				_ = w.Write(f, time.Time{})
			}
		}()
	}
	ps := benchPositions(benchBatch)
	b.ResetTimer()
	for range b.N {
		want := frames.Load() + benchScreens
		frame := encodePositions(ps)
		for _, c := range chans {
			c <- frame
		}
		for frames.Load() < want {
		}
	}
	b.StopTimer()
	for _, c := range chans {
		close(c)
	}
	wg.Wait()
}
