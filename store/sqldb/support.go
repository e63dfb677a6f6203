package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd/dispatch"
)

// Support requests (跨区域支援): documents with the columns lists filter
// on, locked and written by Apply like tasks and orders.

var supportDocs = doc[dispatch.SupportRequest]{
	name: "support_requests", what: "support request",
	cols: []string{"incident_id", "from_region", "to_region", "status", "respond_by", "escalated", "hazard"},
	values: func(r *dispatch.SupportRequest) []any {
		return []any{r.Incident, r.From, r.To, string(r.Status), r.RespondBy, r.Escalated, r.IncidentType}
	},
	id: func(r *dispatch.SupportRequest) string { return r.ID },
}

// GetSupportRequest implements dispatch.Store.
func (s *Store) GetSupportRequest(ctx context.Context, id string) (*dispatch.SupportRequest, error) {
	return supportDocs.get(ctx, s.db, id, "")
}

// ListSupportRequests implements dispatch.Store.
func (s *Store) ListSupportRequests(ctx context.Context, f dispatch.SupportFilter) ([]dispatch.SupportRequest, error) {
	var w where
	if f.Prefix != "" {
		like := likeEscape(f.Prefix) + "%"
		switch f.Direction {
		case dispatch.Incoming:
			w.add(`to_region LIKE ? ESCAPE '\'`, like)
		case dispatch.Outgoing:
			w.add(`from_region LIKE ? ESCAPE '\'`, like)
		default:
			w.add(`(to_region LIKE ? ESCAPE '\' OR from_region LIKE ? ESCAPE '\')`, like, like)
		}
	}
	if f.Types != nil {
		w.add("hazard IN "+s.d.JSONValues("?"), jsonText(f.Types))
	}
	if f.Incident != "" {
		w.add("incident_id = ?", f.Incident)
	}
	if len(f.Status) > 0 {
		w.add("status IN "+s.d.JSONValues("?"), jsonText(f.Status))
	}
	if f.After != "" {
		w.add("id < ?", f.After)
	}
	return supportDocs.list(ctx, s.db, &w, f.Limit, "")
}

// DueSupportRequests implements dispatch.Store.
func (s *Store) DueSupportRequests(ctx context.Context, now time.Time, limit int) ([]string, error) {
	out, err := s.strings(ctx, `SELECT id FROM support_requests WHERE status = 'requested' AND NOT escalated AND respond_by <= $1
		ORDER BY respond_by LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("list due support requests: %w", err)
	}
	return out, nil
}

// lockSupport locks the support requests of the lock: the incident's
// when it locks its children, and those named.
func (s *Store) lockSupport(ctx context.Context, q Querier, lock dispatch.Lock, snap *dispatch.Snapshot) error {
	snap.Support = map[string]*dispatch.SupportRequest{}
	if lock.Incident != "" && lock.Children {
		var w where
		w.add("incident_id = ?", lock.Incident)
		if err := lockDocs(ctx, q, &supportDocs, &w, s.d.ForUpdate, snap.Support); err != nil {
			return err
		}
	}
	if ids := missing(lock.Support, snap.Support); len(ids) > 0 {
		var w where
		w.add("id IN "+s.d.JSONValues("?"), jsonText(ids))
		if err := lockDocs(ctx, q, &supportDocs, &w, s.d.ForUpdate, snap.Support); err != nil {
			return err
		}
	}
	return nil
}
