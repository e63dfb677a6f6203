package dispatch

import (
	"context"
	"testing"

	"dispatchd"

	"dispatchd/dispatch/plan"
	"dispatchd/regions"
)

// TestParentOfSkipsUnknown: a support request's next level up skips the
// levels the region tree does not list (a 省直辖县's xx9000).
func TestParentOfSkipsUnknown(t *testing.T) {
	tree := knownTree{"420000": true, "429004": true, "330000": true, "330100": true, "330127": true}
	s := NewService(nil, plan.NewProjection(plan.ProjectionConfig{}), Config{Regions: tree})
	for _, tt := range []struct{ code, want string }{
		{"330127", "330100"},
		{"330100", "330000"},
		{"429004", "420000"}, // 仙桃市: its 429000 is not in the tree
		{"330000", ""},
		{"330127001", "330127"},
	} {
		if got, err := s.parentOf(context.Background(), tt.code); err != nil || got != tt.want {
			t.Errorf("parentOf(%s): got %q, %v, want %q", tt.code, got, err, tt.want)
		}
	}
}

// knownTree is a region tree of codes without boundaries.
type knownTree map[string]bool

func (k knownTree) Known(_ context.Context, code string) (bool, error) { return k[code], nil }
func (k knownTree) Index(context.Context) (*regions.Index, error)      { return nil, nil }

// TestSupportDraftAsksAKnownLevel: a suggestion's support member asks the
// level above that the region tree lists, as a request sent without "to"
// would: 仙桃市 (429004) asks 湖北省, its 429000 not being in the tree.
func TestSupportDraftAsksAKnownLevel(t *testing.T) {
	tree := knownTree{"420000": true, "429004": true}
	s := NewService(nil, plan.NewProjection(plan.ProjectionConfig{}), Config{Regions: tree})
	sug := &plan.Suggestion{Teams: []plan.TeamPlan{{Need: "water_rescue", SupportCount: 2}}}
	d, err := s.SupportDraft(context.Background(), dispatchd.Actor{Jurisdiction: "429004"}, sug)
	if err != nil || d == nil || d.To != "420000" || len(d.Needs.Teams) != 1 || d.Needs.Teams[0].Count != 2 {
		t.Fatalf("got %+v, %v", d, err)
	}
	if d, err := s.SupportDraft(context.Background(), dispatchd.Actor{}, sug); d != nil || err != nil {
		t.Fatalf("the whole deployment asks no one: got %+v, %v", d, err)
	}
}
