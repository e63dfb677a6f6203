package warning

import (
	"context"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// Limits of lists and of a recipients query.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
	// MaxRecipients is the largest page of recipients one query returns.
	MaxRecipients = 10000
	// MaxRecipientRegions bounds the subtrees one query names.
	MaxRecipientRegions = 200
	// maxChain bounds the walk up the superiors that looks for a cycle.
	maxChain = 64
)

const outsideJurisdiction = "outside your jurisdiction"

// Service applies the rules of responsible persons: validation, the
// actor's jurisdiction and the events every change writes.
type Service struct {
	store Store
	known func(ctx context.Context, code string) (bool, error)
	now   func() time.Time
	// What warnings need (config.go), set before the service is used.
	channels     []string
	codes        Codes
	regionName   func(code string) string
	cover        func(ctx context.Context, ring [][2]float64) ([]string, bool, error)
	answerWithin map[string]time.Duration
}

// NewService returns a service over store. Regions are checked for form
// only until SetRegions names the region tree.
func NewService(store Store) *Service {
	return &Service{store: store, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetRegions makes the service refuse regions the tree does not know
// (regions.Service.Known).
func (s *Service) SetRegions(known func(ctx context.Context, code string) (bool, error)) {
	s.known = known
}

func notFound(id string) error {
	return dispatchd.Errorf(dispatchd.ENOTFOUND, "responsible person %s not found", id)
}

func fieldError(field, format string, args ...any) error {
	var f dispatchd.Fields
	f.Add(field, format, args...)
	return f.Err()
}

func (s *Service) event(typ string, actor dispatchd.Actor, subject string, v any) *dispatchd.Event {
	ev := dispatchd.NewEvent(typ, actor, subject, v)
	ev.TS = s.now()
	return &ev
}

// checkRegion reports a region the tree does not know or that lies
// outside the actor's jurisdiction, as a field error on region.
func (s *Service) checkRegion(ctx context.Context, actor dispatchd.Actor, region string) error {
	if s.known != nil {
		ok, err := s.known(ctx, region)
		if err != nil {
			return err
		}
		if !ok {
			return fieldError("region", "unknown region %s", region)
		}
	}
	if !actor.Covers(region) {
		return fieldError("region", outsideJurisdiction)
	}
	return nil
}

// checkSuperior reports a superior that does not exist, whose region does
// not hold the person's, or that would close a cycle of superiors. A
// superior the actor may not see and that could not be the person's is
// unknown, so that ids outside the jurisdiction cannot be probed.
func (s *Service) checkSuperior(ctx context.Context, actor dispatchd.Actor, p *Person) error {
	if p.Superior == "" {
		return nil
	}
	sup, err := s.store.GetPerson(ctx, p.Superior)
	if err == nil && !actor.Covers(sup.Region) && !dispatchd.InRegion(sup.Region, p.Region) {
		err = notFound(p.Superior)
	}
	if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
		return fieldError("superior", "unknown responsible person %s", p.Superior)
	}
	if err != nil {
		return err
	}
	if !dispatchd.InRegion(sup.Region, p.Region) {
		return fieldError("superior", "must be responsible for the person's region or one above it")
	}
	for i := 0; sup.Superior != "" && i < maxChain; i++ {
		if sup.Superior == p.ID {
			return fieldError("superior", "would make a cycle of superiors")
		}
		if sup, err = s.store.GetPerson(ctx, sup.Superior); err != nil {
			if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
				return nil
			}
			return err
		}
	}
	if sup.Superior != "" {
		return fieldError("superior", "the chain of superiors is longer than %d", maxChain)
	}
	return nil
}

// checkSubordinates reports a new region that would leave persons who
// answer to p outside it.
func (s *Service) checkSubordinates(ctx context.Context, p *Person) error {
	after := ""
	for {
		subs, err := s.store.ListPersons(ctx, PersonFilter{Superior: p.ID, After: after, Limit: MaxLimit})
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if !dispatchd.InRegion(p.Region, sub.Region) {
				return fieldError("region", "would leave %s (%s), who answers to this person, outside it", sub.Name, sub.Region)
			}
		}
		if len(subs) < MaxLimit {
			return nil
		}
		after = subs[len(subs)-1].ID
	}
}

// CreatePerson records a responsible person within the actor's
// jurisdiction, with a person.created event.
func (s *Service) CreatePerson(ctx context.Context, actor dispatchd.Actor, p Person) (*Person, error) {
	p.ID = dispatchd.NewID()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRegion(ctx, actor, p.Region); err != nil {
		return nil, err
	}
	if err := s.checkSuperior(ctx, actor, &p); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = s.now(), s.now()
	if err := s.store.CreatePerson(ctx, &p, s.event("person.created", actor, p.ID, p).Scoped("", p.Region)); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdatePerson changes the fields the patch sets. A person outside the
// actor's jurisdiction is not found; it may not be moved out of it.
func (s *Service) UpdatePerson(ctx context.Context, actor dispatchd.Actor, id string, patch PersonPatch) (*Person, error) {
	cur, err := s.Person(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	next := *cur
	patch.apply(&next)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if next.Region != cur.Region {
		if err := s.checkRegion(ctx, actor, next.Region); err != nil {
			return nil, err
		}
	}
	if next.Superior != cur.Superior || next.Region != cur.Region {
		if err := s.checkSuperior(ctx, actor, &next); err != nil {
			return nil, err
		}
	}
	if next.Region != cur.Region {
		if err := s.checkSubordinates(ctx, &next); err != nil {
			return nil, err
		}
	}
	return s.store.UpdatePerson(ctx, id, func(p *Person) (*dispatchd.Event, error) {
		if !actor.Covers(p.Region) {
			return nil, notFound(id)
		}
		old := p.Region
		patch.apply(p)
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if !actor.Covers(p.Region) {
			return nil, fieldError("region", outsideJurisdiction)
		}
		p.UpdatedAt = s.now()
		return s.event("person.updated", actor, p.ID, p).Scoped("", old, p.Region), nil
	})
}

// DeletePerson removes a person of the actor's jurisdiction that is no
// one's superior.
func (s *Service) DeletePerson(ctx context.Context, actor dispatchd.Actor, id string) error {
	return s.store.DeletePerson(ctx, id, func(p *Person) (*dispatchd.Event, error) {
		if !actor.Covers(p.Region) {
			return nil, notFound(id)
		}
		return s.event("person.deleted", actor, id, map[string]string{"id": id}).Scoped("", p.Region), nil
	})
}

// Person returns one person of the actor's jurisdiction.
func (s *Service) Person(ctx context.Context, actor dispatchd.Actor, id string) (*Person, error) {
	p, err := s.store.GetPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.Covers(p.Region) {
		return nil, notFound(id)
	}
	return p, nil
}

// Persons lists the persons of the actor's jurisdiction by id.
func (s *Service) Persons(ctx context.Context, actor dispatchd.Actor, f PersonFilter) ([]Person, string, error) {
	if f.Region != "" && !dispatchd.ValidRegion(f.Region) {
		return nil, "", fieldError("region", "must be a GB/T 2260 region code")
	}
	f.Prefix = actor.Scope().Prefix
	f.Limit = resources.ClampLimit(f.Limit, DefaultLimit, MaxLimit)
	limit := f.Limit
	f.Limit++
	rows, err := s.store.ListPersons(ctx, f)
	if err != nil {
		return nil, "", err
	}
	out, next := resources.Page(rows, limit, func(p Person) string { return p.ID })
	return out, next, nil
}

// Recipients lists the persons a warning for the regions reaches (each
// region with every division below it), of the duties when any are named,
// a page at a time by id.
func (s *Service) Recipients(ctx context.Context, q RecipientQuery) ([]Person, string, error) {
	if len(q.Regions) == 0 {
		return nil, "", fieldError("regions", "name at least one region")
	}
	if len(q.Regions) > MaxRecipientRegions {
		return nil, "", fieldError("regions", "must name at most %d regions", MaxRecipientRegions)
	}
	for i, r := range q.Regions {
		if !dispatchd.ValidRegion(r) {
			return nil, "", fieldError(resources.Indexed("regions", i), "must be a GB/T 2260 region code")
		}
	}
	q.Limit = resources.ClampLimit(q.Limit, MaxRecipients, MaxRecipients)
	limit := q.Limit
	q.Limit++
	rows, err := s.store.Recipients(ctx, q)
	if err != nil {
		return nil, "", err
	}
	out, next := resources.Page(rows, limit, func(p Person) string { return p.ID })
	return out, next, nil
}
