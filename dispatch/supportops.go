package dispatch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// knownRegion reports whether the region tree (Config.Regions) knows a
// code: a support request's default addressee and its escalation skip the
// levels it does not know, and a named addressee must be known. Without a
// tree every valid code is taken as known.
func (s *Service) knownRegion(ctx context.Context, code string) (bool, error) {
	if s.cfg.Regions == nil {
		return true, nil
	}
	return s.cfg.Regions.Known(ctx, code)
}

// parentOf returns the nearest region above code that the region tree
// knows, "" when there is none.
func (s *Service) parentOf(ctx context.Context, code string) (string, error) {
	for p := dispatchd.RegionParent(code); p != ""; p = dispatchd.RegionParent(p) {
		ok, err := s.knownRegion(ctx, p)
		if err != nil {
			return "", fmt.Errorf("look up region %s: %w", p, err)
		}
		if ok {
			return p, nil
		}
	}
	return "", nil
}

// validateAsk checks a new support request and fills in its defaults.
func (s *Service) validateAsk(a *SupportAsk) error {
	var f dispatchd.Fields
	resources.CheckText(&f, "incident", &a.Incident, true, 64)
	a.To = strings.TrimSpace(a.To)
	if a.To != "" && !dispatchd.ValidRegion(a.To) {
		f.Add("to", "must be a GB/T 2260 region code such as 330100")
	}
	validateNeeds(&f, &a.Needs)
	if len(a.Needs.Teams)+len(a.Needs.Items) == 0 {
		f.Add("needs", "must list at least one team or item need")
	}
	s.checkItems(&f, "needs.items", a.Needs.Items)
	if a.RespondWithinS == 0 {
		a.RespondWithinS = DefaultRespondWithin
	}
	if a.RespondWithinS < minRespondWithin || a.RespondWithinS > maxRespondWithin {
		f.Add("respond_within_s", "must be between %d and %d seconds", minRespondWithin, maxRespondWithin)
	}
	resources.CheckText(&f, "note", &a.Note, false, 2000)
	return f.Err()
}

// supportTo returns whom a request about the incident is addressed to:
// the region asked, or the level above the requester's jurisdiction (the
// incident's, for a requester of the whole deployment). Asking within
// one's own jurisdiction is refused: its resources are dispatched
// directly.
func (s *Service) supportTo(ctx context.Context, actor dispatchd.Actor, in *Incident, to string) (string, error) {
	if to == "" {
		base := actor.Jurisdiction
		if base == "" {
			base = in.Region
		}
		p, err := s.parentOf(ctx, base)
		if err != nil {
			return "", err
		}
		if p == "" {
			return "", dispatchd.Invalid(dispatchd.FieldError{Field: "to", Message: fmt.Sprintf("%s has no level above it to ask: name the region to ask", base)})
		}
		to = p
	} else if ok, err := s.knownRegion(ctx, to); err != nil {
		return "", err
	} else if !ok {
		return "", dispatchd.Invalid(dispatchd.FieldError{Field: "to", Message: "unknown region " + to})
	}
	if actor.Jurisdiction != "" && actor.Covers(to) || dispatchd.InRegion(in.Region, to) {
		return "", dispatchd.Invalid(dispatchd.FieldError{Field: "to", Message: fmt.Sprintf(
			"%s is within your own jurisdiction: dispatch its teams and depots directly", to)})
	}
	return to, nil
}

// RequestSupport asks another jurisdiction for support on an incident the
// actor sees; ENOTFOUND for an incident it does not, ECONFLICT for one
// that has ended.
func (s *Service) RequestSupport(ctx context.Context, actor dispatchd.Actor, ask SupportAsk) (*SupportRequest, error) {
	if !isCommand(actor) {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only a commander may ask for support")
	}
	if err := s.validateAsk(&ask); err != nil {
		return nil, err
	}
	in, err := s.store.GetIncident(ctx, ask.Incident)
	if err != nil {
		return nil, err
	}
	if !coversIncident(actor, in) {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "incident %s not found", ask.Incident)
	}
	if err := notPreposition(in); err != nil {
		return nil, err
	}
	if in.Region == "" {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "incident", Message: fmt.Sprintf(
			"incident %s has no region: set its region before asking for support", in.ID)})
	}
	to, err := s.supportTo(ctx, actor, in, ask.To)
	if err != nil {
		return nil, err
	}
	var out *SupportRequest
	err = s.apply(ctx, Lock{Incident: in.ID}, func(snap *Snapshot) (*Change, error) {
		in := snap.Incident
		if !in.Status.Open() {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "incident %s is %s: it needs no more support", in.ID, in.Status)
		}
		if !coversIncident(actor, in) || dispatchd.InRegion(in.Region, to) {
			return nil, dispatchd.Errorf(dispatchd.ECONFLICT, "incident %s moved meanwhile: ask again", in.ID)
		}
		now := s.now()
		r := &SupportRequest{ID: dispatchd.NewID(), Incident: in.ID, IncidentType: in.Type, From: in.Region, To: to,
			Needs: ask.Needs, Note: ask.Note, RespondWithinS: ask.RespondWithinS,
			RespondBy: now.Add(time.Duration(ask.RespondWithinS) * time.Second), Status: SupportRequested,
			Answered: SupportTotals{Items: []resources.ItemQty{}}, Tasks: []string{}, Orders: []string{},
			CreatedBy: actor.Name(), CreatedAt: now, UpdatedAt: now}
		out = r
		return &Change{Support: []*SupportRequest{r},
			Events: []*dispatchd.Event{r.scoped(s.event("support_request.created", actor, r.ID, r, now))}}, nil
	})
	return out, err
}

// SupportRequest returns one support request; ENOTFOUND unless one of its
// sides lies within the actor's jurisdiction.
func (s *Service) SupportRequest(ctx context.Context, actor dispatchd.Actor, id string) (*SupportRequest, error) {
	r, err := s.store.GetSupportRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.visibleTo(actor) {
		return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "support request %s not found", id)
	}
	return r, nil
}

// SupportRequests lists the support requests to and from the actor's
// jurisdiction, newest first.
func (s *Service) SupportRequests(ctx context.Context, actor dispatchd.Actor, f SupportFilter) ([]SupportRequest, string, error) {
	sc := actor.Scope()
	f.Prefix, f.Types = sc.Prefix, sc.Types
	return fetch(f.Limit, func(limit int) ([]SupportRequest, error) {
		f.Limit = limit
		return s.store.ListSupportRequests(ctx, f)
	}, func(r SupportRequest) string { return r.ID })
}

// onSupport locks one support request the actor sees and lets fn change
// it; fn returns the event type, "" for no change.
func (s *Service) onSupport(ctx context.Context, actor dispatchd.Actor, id string, fn func(r *SupportRequest, now time.Time) (string, error)) (*SupportRequest, error) {
	var out *SupportRequest
	err := s.apply(ctx, Lock{Support: []string{id}}, func(snap *Snapshot) (*Change, error) {
		r, ok := snap.Support[id]
		if !ok || !r.visibleTo(actor) {
			return nil, dispatchd.Errorf(dispatchd.ENOTFOUND, "support request %s not found", id)
		}
		now := s.now()
		typ, err := fn(r, now)
		if err != nil || typ == "" {
			out = r
			return nil, err
		}
		out = r
		return &Change{Support: []*SupportRequest{r},
			Events: []*dispatchd.Event{r.scoped(s.event(typ, actor, id, r, now))}}, nil
	})
	return out, err
}

// DeclineSupport refuses a request with a reason: the commanders of the
// region it is addressed to may, while nobody has answered it.
func (s *Service) DeclineSupport(ctx context.Context, actor dispatchd.Actor, id, reason string) (*SupportRequest, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, true, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.onSupport(ctx, actor, id, func(r *SupportRequest, now time.Time) (string, error) {
		if !isCommand(actor) || !r.receivedBy(actor) {
			return "", dispatchd.Errorf(dispatchd.EFORBIDDEN, "only the commanders of %s, which support request %s is addressed to, may decline it", r.To, id)
		}
		if r.Status != SupportRequested && r.Status != SupportEscalated {
			return "", dispatchd.Errorf(dispatchd.ECONFLICT, "support request %s is %s: only a requested or escalated request may be declined", id, r.Status)
		}
		r.end(SupportDeclined, reason, now)
		return "support_request.declined", nil
	})
}

// CloseSupport ends a request: the requesting side may close it while it
// is open (withdrawing it, or when the help has come); the receiving side
// once it has answered. Closing a closed request changes nothing.
func (s *Service) CloseSupport(ctx context.Context, actor dispatchd.Actor, id, reason string) (*SupportRequest, error) {
	var f dispatchd.Fields
	resources.CheckText(&f, "reason", &reason, false, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.onSupport(ctx, actor, id, func(r *SupportRequest, now time.Time) (string, error) {
		requester := isCommand(actor) && actor.Covers(r.From)
		receiver := isCommand(actor) && r.receivedBy(actor)
		switch {
		case r.Status == SupportClosed:
			return "", nil
		case !requester && !receiver:
			return "", dispatchd.Errorf(dispatchd.EFORBIDDEN, "only the commanders of either side may close support request %s", id)
		case !r.Status.Open():
			return "", dispatchd.Errorf(dispatchd.ECONFLICT, "support request %s is %s and can no longer change", id, r.Status)
		case !requester && r.Status != SupportAnswered:
			return "", dispatchd.Errorf(dispatchd.ECONFLICT, "support request %s is %s: the side it is addressed to closes it only after answering; decline it instead", id, r.Status)
		}
		if reason == "" {
			reason = "closed by " + actor.Name()
		}
		r.end(SupportClosed, reason, now)
		return "support_request.closed", nil
	})
}

// EscalateDueSupport escalates every request still unanswered at its
// deadline, once each, and returns how many it escalated. Like
// EscalateDue, several nodes may run it at once: the row lock lets one of
// them escalate each request.
func (s *Service) EscalateDueSupport(ctx context.Context) (int, error) {
	ids, err := s.store.DueSupportRequests(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		done, err := s.escalateSupport(ctx, id)
		if err != nil {
			return n, fmt.Errorf("escalate support request %s: %w", id, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

// escalateSupport moves a request up one level, with a new deadline. A
// request already addressed to the top is marked escalated where it is,
// telling its commanders again.
func (s *Service) escalateSupport(ctx context.Context, id string) (bool, error) {
	cur, err := s.store.GetSupportRequest(ctx, id)
	if err != nil {
		return false, err
	}
	next, err := s.parentOf(ctx, cur.To)
	if err != nil {
		return false, err
	}
	done := false
	err = s.apply(ctx, Lock{Support: []string{id}}, func(snap *Snapshot) (*Change, error) {
		r, ok := snap.Support[id]
		now := s.now()
		if !ok || r.Status != SupportRequested || r.Escalated || r.RespondBy.After(now) || r.To != cur.To {
			return nil, nil // answered, or another node escalated it
		}
		if next != "" {
			r.EscalatedFrom, r.To = r.To, next
		}
		r.Status, r.Escalated, r.UpdatedAt = SupportEscalated, true, now
		r.RespondBy = now.Add(time.Duration(r.RespondWithinS) * time.Second)
		done = true
		return &Change{Support: []*SupportRequest{r},
			Events: []*dispatchd.Event{r.scoped(s.event("support_request.escalated", dispatchd.System, id, r, now))}}, nil
	})
	return done, err
}

// supportGrants reports whether an open support request on the incident
// is addressed within the actor's jurisdiction, to a desk that works its
// type: the receiving side may then see the incident and dispatch its
// own resources onto it through the request.
func (s *Service) supportGrants(ctx context.Context, actor dispatchd.Actor, in *Incident) (bool, error) {
	sc := actor.Scope()
	if !sc.SeesType(in.Type) {
		return false, nil
	}
	rs, err := s.store.ListSupportRequests(ctx, SupportFilter{Prefix: sc.Prefix, Direction: Incoming,
		Incident: in.ID, Status: OpenSupport, Limit: 1})
	if err != nil {
		return false, err
	}
	return len(rs) > 0, nil
}

// supportLinks checks and records the support requests the tasks and
// orders of one dispatch answer.
type supportLinks struct {
	c  *changer
	in *Incident
	// own: the incident is in the actor's own jurisdiction, where it may
	// dispatch without a request.
	own bool
}

func (c *changer) supportLinks(in *Incident) *supportLinks {
	return &supportLinks{c: c, in: in, own: coversIncident(c.actor, in)}
}

// check reports in bad (invalid) or short (conflicts) why a task or order
// at field may not answer request id with a team or depot of region
// (known false when the team or depot does not exist), and whether it may.
func (l *supportLinks) check(bad, short *dispatchd.Fields, field, resField, id, region string, known bool) bool {
	a := l.c.actor
	if id == "" {
		if !l.own {
			bad.Add(field+".support_request", "incident %s is outside your jurisdiction: name the support request you answer", l.in.ID)
			return false
		}
		return true
	}
	r, ok := l.c.snap.Support[id]
	switch {
	case !ok || !r.visibleTo(a):
		bad.Add(field+".support_request", "support request %s not found", id)
	case r.Incident != l.in.ID:
		bad.Add(field+".support_request", "support request %s is for incident %s, not this one", id, r.Incident)
	case !r.receivedBy(a):
		bad.Add(field+".support_request", "support request %s is addressed to %s, not to your jurisdiction", id, r.To)
	case !r.Status.Open():
		short.Add(field+".support_request", "support request %s is %s and can no longer be answered", id, r.Status)
	case known && !a.Covers(region):
		bad.Add(resField, "%s is outside your jurisdiction: answer with your own teams and depots", region)
	default:
		return true
	}
	return false
}

// record counts the created tasks and orders against the requests they
// name and writes each request changed, with one support_request.answered
// event.
func (l *supportLinks) record(res *DispatchResult) {
	c := l.c
	touched := map[string]*SupportRequest{}
	for _, t := range res.Tasks {
		if r := c.snap.Support[t.SupportRequest]; r != nil {
			r.answer(t, nil, c.now)
			touched[r.ID] = r
		}
	}
	for _, o := range res.Orders {
		if r := c.snap.Support[o.SupportRequest]; r != nil {
			r.answer(nil, o, c.now)
			touched[r.ID] = r
		}
	}
	for _, id := range sortedKeys(touched) {
		r := touched[id]
		c.ch.Support = append(c.ch.Support, r)
		c.ch.Events = append(c.ch.Events, r.scoped(c.s.event("support_request.answered", c.actor, id, r, c.now)))
	}
}

// endSupport closes the open support requests of an incident that ended.
func (c *changer) endSupport(why string) {
	for _, id := range sortedKeys(c.snap.Support) {
		if r := c.snap.Support[id]; r.Incident == c.snap.Incident.ID && r.Status.Open() {
			r.end(SupportClosed, why, c.now)
			c.ch.Support = append(c.ch.Support, r)
			c.ch.Events = append(c.ch.Events, r.scoped(c.s.event("support_request.closed", c.actor, id, r, c.now)))
		}
	}
}

// checkTask checks the support request a task of a dispatch names.
func (l *supportLinks) checkTask(bad, short *dispatchd.Fields, i int, tr TaskRequest) bool {
	p := resources.Indexed("tasks", i)
	team, ok := l.c.snap.Teams[tr.Team]
	region := ""
	if ok {
		region = team.Region
	}
	return l.check(bad, short, p, p+".team", tr.SupportRequest, region, ok)
}

// checkOrder checks the support request an order of a dispatch names.
func (l *supportLinks) checkOrder(bad, short *dispatchd.Fields, i int, or OrderRequest) bool {
	p := resources.Indexed("orders", i)
	d, ok := l.c.snap.Depots[or.Depot]
	region := ""
	if ok {
		region = d.Region
	}
	return l.check(bad, short, p, p+".depot", or.SupportRequest, region, ok)
}

func appendNonEmpty(ids []string, id string) []string {
	if id == "" {
		return ids
	}
	return append(ids, id)
}
