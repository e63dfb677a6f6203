package dispatch

import (
	"regexp"
	"slices"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

var typeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// TaskStatus is where a task is.
type TaskStatus string

// The task statuses. A task is active from assigned to on_scene.
const (
	Assigned      TaskStatus = "assigned"
	Acknowledged  TaskStatus = "acknowledged"
	EnRoute       TaskStatus = "en_route"
	OnScene       TaskStatus = "on_scene"
	Completed     TaskStatus = "completed"
	Declined      TaskStatus = "declined"
	TaskCancelled TaskStatus = "cancelled"
)

// TaskStatuses lists every task status.
var TaskStatuses = []TaskStatus{Assigned, Acknowledged, EnRoute, OnScene, Completed, Declined, TaskCancelled}

// progress orders the statuses a team reports; a task only moves forward.
var progress = map[TaskStatus]int{Assigned: 0, Acknowledged: 1, EnRoute: 2, OnScene: 3, Completed: 4}

// Active reports whether the task still holds its team.
func (s TaskStatus) Active() bool {
	return s == Assigned || s == Acknowledged || s == EnRoute || s == OnScene
}

// teamStatus is the status a team takes while its task is in s.
func (s TaskStatus) teamStatus() resources.TeamStatus {
	switch s {
	case Assigned, Acknowledged:
		return resources.TeamAssigned
	case EnRoute:
		return resources.TeamEnRoute
	case OnScene:
		return resources.TeamOnScene
	}
	return resources.TeamAvailable
}

// DefaultAckWithin is how long a team has to acknowledge a task that names
// no deadline of its own.
const DefaultAckWithin = 120 * time.Second

// Task is a job given to one team for one incident. The team must answer
// (acknowledge or decline) by AckBy, or the task is escalated.
type Task struct {
	ID       string `json:"id"`
	Incident string `json:"incident"`
	Team     string `json:"team"`
	TeamName string `json:"team_name"`
	// Need is the capability of the incident this task covers, if any.
	Need         string     `json:"need"`
	Instructions string     `json:"instructions"`
	Status       TaskStatus `json:"status"`
	AckWithinS   int        `json:"ack_within_s"`
	AckBy        time.Time  `json:"ack_by"`
	Escalated    bool       `json:"escalated"`
	// Reason is why it was declined or cancelled.
	Reason   string `json:"reason,omitempty"`
	Exercise bool   `json:"exercise"`
	// Replaces and ReplacedBy link a task to the one it took over from.
	Replaces   string `json:"replaces,omitempty"`
	ReplacedBy string `json:"replaced_by,omitempty"`
	// SupportRequest is the support request the task answers, if any.
	SupportRequest string `json:"support_request,omitempty"`
	// Suggestion is the suggestion the task was dispatched from, if any.
	Suggestion  string     `json:"suggestion,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`
	EnRouteAt   *time.Time `json:"en_route_at,omitempty"`
	OnSceneAt   *time.Time `json:"on_scene_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// EndedAt is when it was declined or cancelled.
	EndedAt *time.Time `json:"ended_at,omitempty"`
	// ArrivedAt is when the team's tracker first came to stay inside the
	// incident's scene (arrival.go); Fence is where it stands by its fixes
	// ("inside" or "outside", "" before it arrived), FenceAt since when, and
	// LeftSceneAt when it last left the scene while the task was active.
	ArrivedAt   *time.Time `json:"arrived_at,omitempty"`
	Fence       string     `json:"fence,omitempty"`
	FenceAt     *time.Time `json:"fence_at,omitempty"`
	LeftSceneAt *time.Time `json:"left_scene_at,omitempty"`
}

// TaskRequest asks for one task in a dispatch.
type TaskRequest struct {
	Team         string `json:"team"`
	Need         string `json:"need"`
	Instructions string `json:"instructions,omitempty"`
	AckWithinS   int    `json:"ack_within_s,omitempty"`
	// SupportRequest names the support request the task answers.
	SupportRequest string `json:"support_request,omitempty"`
	// suggestion is the dispatch's, set by Dispatch.
	suggestion string
}

// TaskFilter selects tasks, newest first.
type TaskFilter struct {
	Incident string
	Team     string
	Status   []TaskStatus
	// Scope limits the list to the tasks of incidents in it.
	Scope dispatchd.Scope
	// ReportedFrom and ReportedTo, when set, limit the list to the tasks
	// of incidents reported in [ReportedFrom, ReportedTo).
	ReportedFrom, ReportedTo time.Time
	After                    string
	Limit                    int
}

// setStatus moves the task forward to s at now, stamping the time of every
// step it passes (a lead who taps "on scene" first has also acknowledged).
func (t *Task) setStatus(s TaskStatus, now time.Time) {
	stamp := func(p **time.Time) {
		if *p == nil {
			*p = &now
		}
	}
	switch s {
	case Completed:
		stamp(&t.CompletedAt)
		fallthrough
	case OnScene:
		stamp(&t.OnSceneAt)
		fallthrough
	case EnRoute:
		stamp(&t.EnRouteAt)
		fallthrough
	case Acknowledged:
		stamp(&t.AckedAt)
	case Declined, TaskCancelled:
		stamp(&t.EndedAt)
	}
	t.Status = s
	t.UpdatedAt = now
}

// canReport reports whether a team may move its task from its status to s.
func (t *Task) canReport(s TaskStatus) bool {
	from, ok1 := progress[t.Status]
	to, ok2 := progress[s]
	return ok1 && ok2 && to > from
}

// TeamReportable lists the statuses a team reports through /status.
var TeamReportable = []TaskStatus{Acknowledged, EnRoute, OnScene, Completed}

func validReport(s TaskStatus) bool { return slices.Contains(TeamReportable, s) }
