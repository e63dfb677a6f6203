package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"dispatchd"
)

// snapshotFrame is the snapshot message.
type snapshotFrame struct {
	Type string `json:"type"`
	*State
}

// subscribe attaches the session and brings the client up to date: the
// events it missed since its last one, or a snapshot when it asked for
// none or is too far behind; then every unit's latest position.
func (s *Session) subscribe(w Writer, sub SubscribeRequest) (CloseReason, bool) {
	h := s.hub
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	unavailable := CloseReason{CloseUnavailable, "the store did not answer: retry"}
	select {
	case <-h.ready:
	case <-h.done:
		return CloseReason{CloseGoingAway, "server shutting down"}, false
	case <-ctx.Done():
		return CloseReason{CloseUnavailable, "the event feed is not running: retry"}, false
	}
	if s.actor.Is(dispatchd.RoleTeamLead) && s.actor.Team != "" {
		// Before attaching: task events fanned out from now on are noted
		// by the hub, those committed before are in what this reads.
		ids, err := h.src.TeamIncidents(ctx, s.actor.Team)
		if err != nil {
			return unavailable, false
		}
		h.seedWork(s.actor.Team, ids)
	}
	last := h.attach(s, sub)
	s.subscribed = true
	since := sub.Since
	if since != nil && *since > last {
		// Another node may be ahead of this one: wait for its events
		// here, unless the client comes from another database.
		stored, err := h.src.LastEventID(ctx)
		if err != nil {
			return unavailable, false
		}
		if *since > stored {
			since = nil
		}
	}
	switch {
	case since != nil && *since >= last:
		s.skipTo = *since
		if err := w.Write(resumedFrame(*since), s.deadline()); err != nil {
			return CloseReason{CloseGoingAway, "write failed"}, false
		}
	case since != nil && last-*since <= int64(h.cfg.CatchUp):
		if err := s.catchUp(ctx, w, *since, last); err != nil {
			if errors.Is(err, errWrite) {
				return CloseReason{CloseGoingAway, "write failed"}, false
			}
			return unavailable, false
		}
		s.skipTo = last
		h.catchups.Add(1)
	default:
		st, err := h.src.State(ctx, stateQuery(s.actor, sub))
		if err != nil {
			return unavailable, false
		}
		b, err := json.Marshal(snapshotFrame{"snapshot", st})
		if err != nil {
			return CloseReason{CloseUnavailable, "could not encode the snapshot"}, false
		}
		if err := w.Write(b, time.Now().Add(h.cfg.SnapshotWait)); err != nil {
			if isTimeout(err) {
				h.snapTimeouts.Add(1)
				return CloseReason{CloseSlow, fmt.Sprintf("the snapshot was not taken within %v", h.cfg.SnapshotWait)}, false
			}
			return CloseReason{CloseGoingAway, "write failed"}, false
		}
		s.skipTo = st.EventID
		s.lastSent.Store(st.EventID)
		h.snapshots.Add(1)
	}
	if sub.Topics.Has(TopicPositions) {
		s.lastFlush = h.seq.Load()
		if err := w.Write(encodePositions(h.latestIn(sub.BBox, s.scope.Prefix)), s.deadline()); err != nil {
			return CloseReason{CloseGoingAway, "write failed"}, false
		}
	}
	return CloseReason{}, true
}

// resumedFrame tells a client that resumes with since that nothing was
// missed: the events after since follow.
func resumedFrame(since int64) []byte {
	return fmt.Appendf(nil, `{"type":"resumed","event_id":%d}`, since)
}

var errWrite = errors.New("write failed")

// catchUp writes the events after since up to last that the session may
// see, then a resumed message.
func (s *Session) catchUp(ctx context.Context, w Writer, since, last int64) error {
	from := since
	for from < last {
		evs, err := s.hub.src.ListEvents(ctx, from, 500)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.ID > last {
				return s.resumed(w, last)
			}
			from = ev.ID
			ab := classify(ev)
			if ab.topic == "" || !s.sub.Topics.Has(ab.topic) {
				continue
			}
			s.hub.mu.Lock()
			ok := s.hub.receives(s, &ev, ab)
			s.hub.mu.Unlock()
			if !ok {
				continue
			}
			if err := w.Write(encodeEvent(ev), s.deadline()); err != nil {
				return errWrite
			}
			s.lastSent.Store(ev.ID)
		}
	}
	return s.resumed(w, last)
}

func (s *Session) resumed(w Writer, last int64) error {
	s.lastSent.Store(last)
	if err := w.Write(resumedFrame(last), s.deadline()); err != nil {
		return errWrite
	}
	return nil
}
