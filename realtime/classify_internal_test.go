package realtime

import (
	"testing"

	"dispatchd"
)

// TestClassifyPreposition: a pre-positioning's events go with the
// incidents, whose rules of scope they follow.
func TestClassifyPreposition(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want Topic
	}{
		{"preposition.created", TopicIncidents},
		{"preposition.templates_updated", TopicIncidents},
		{"incident.created", TopicIncidents},
		{"review.targets_updated", ""},
	} {
		if got := classify(dispatchd.Event{Type: tc.typ}).topic; got != tc.want {
			t.Errorf("classify(%s): got %q, want %q", tc.typ, got, tc.want)
		}
	}
}
