package plan

import (
	"testing"
	"time"

	"dispatchd/geo"
	"dispatchd/resources"
)

// TestFreshHeapIsBoundedByTeams: a team reporting every second holds one
// entry in the staleness heap, not one per fix (a province's 1,000 fixes a
// second for StaleAfter's ten minutes were 600,000 entries), and a team
// whose early fix goes stale while a later one is fresh stays at its
// position until the later one goes stale too.
func TestFreshHeapIsBoundedByTeams(t *testing.T) {
	now := time.Now()
	p := NewProjection(ProjectionConfig{StaleAfter: 5 * time.Minute})
	base := geo.Point{Lon: 120, Lat: 30}
	p.Fill(nil, []resources.Team{
		{ID: "a", Name: "A", Kind: resources.FireRescue, Capabilities: []string{"hazmat"}, Base: base, Status: resources.TeamAvailable},
		{ID: "b", Name: "B", Kind: resources.FireRescue, Capabilities: []string{"hazmat"}, Base: base, Status: resources.TeamAvailable},
	}, nil, nil, 0)
	moved := geo.Point{Lon: 120.5, Lat: 30.5}
	for i := range 1000 {
		p.SetPosition("a", moved, now.Add(time.Duration(i)*time.Second))
		p.SetPosition("b", moved, now.Add(time.Duration(i)*time.Second))
	}
	if got := len(p.fresh); got != 2 {
		t.Fatalf("got %d entries for 2 teams after 2,000 fixes, want 2", got)
	}
	last := now.Add(999 * time.Second)
	for _, tt := range []struct {
		name string
		at   time.Time
		want geo.Point
	}{
		{"the first fix stale, the last fresh", now.Add(6 * time.Minute), moved},
		{"the last fix stale too", last.Add(6 * time.Minute), base},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p.mu.Lock()
			p.expire(tt.at)
			got, n := p.teams["a"].at, len(p.fresh)
			p.mu.Unlock()
			if got != tt.want {
				t.Fatalf("got a at %v, want %v", got, tt.want)
			}
			if n > 2 {
				t.Fatalf("got %d entries for 2 teams, want at most 2", n)
			}
		})
	}
	// Reported again after going stale: queued again, once.
	p.SetPosition("a", moved, last.Add(7*time.Minute))
	p.SetPosition("a", moved, last.Add(8*time.Minute))
	if got := len(p.fresh); got != 1 {
		t.Fatalf("got %d entries after a report past staleness, want 1", got)
	}
}
