package dispatch

import (
	"context"
	"testing"

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
