package sqldb

import (
	"context"
	"fmt"
	"strings"

	"dispatchd"
	"dispatchd/warning"
)

var _ warning.Store = (*Store)(nil)

var persons = &table[warning.Person]{
	name: "responsible_persons", what: "responsible person",
	cols: []string{"id", "name", "phone", "region", "duty", "hazard_point", "superior", "note", "created_at", "updated_at"},
	values: func(p *warning.Person) []any {
		return []any{p.ID, p.Name, p.Phone, p.Region, string(p.Duty), p.HazardPoint, p.Superior, p.Note, p.CreatedAt, p.UpdatedAt}
	},
	scan: func(sc scanner) (warning.Person, error) {
		var p warning.Person
		err := sc.Scan(&p.ID, &p.Name, &p.Phone, &p.Region, &p.Duty, &p.HazardPoint, &p.Superior, &p.Note, &p.CreatedAt, &p.UpdatedAt)
		return p, err
	},
	key:  func(p *warning.Person) string { return p.ID },
	keep: []string{"created_at"},
}

// CreatePerson implements warning.Store.
func (s *Store) CreatePerson(ctx context.Context, p *warning.Person, ev *dispatchd.Event) error {
	return persons.create(ctx, s, p, ev)
}

// UpdatePerson implements warning.Store.
func (s *Store) UpdatePerson(ctx context.Context, id string, decide func(*warning.Person) (*dispatchd.Event, error)) (*warning.Person, error) {
	return persons.update(ctx, s, id, decide)
}

// DeletePerson implements warning.Store.
func (s *Store) DeletePerson(ctx context.Context, id string, decide func(*warning.Person) (*dispatchd.Event, error)) error {
	return persons.delete(ctx, s, id, decide, func(q Querier) error {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM responsible_persons WHERE superior = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dispatchd.Errorf(dispatchd.ECONFLICT, "responsible person %s is the superior of %d persons; name another first", id, n)
		}
		return nil
	})
}

// GetPerson implements warning.Store.
func (s *Store) GetPerson(ctx context.Context, id string) (*warning.Person, error) {
	return persons.get(ctx, s, s.db, id, false)
}

// ListPersons implements warning.Store.
func (s *Store) ListPersons(ctx context.Context, f warning.PersonFilter) ([]warning.Person, error) {
	var w where
	if f.Prefix != "" {
		w.add(`region LIKE ? ESCAPE '\'`, likeEscape(f.Prefix)+"%")
	}
	if f.Region != "" {
		w.add(`region LIKE ? ESCAPE '\'`, likeEscape(dispatchd.RegionPrefix(f.Region))+"%")
	}
	if f.Duty != "" {
		w.add("duty = ?", string(f.Duty))
	}
	if f.Superior != "" {
		w.add("superior = ?", f.Superior)
	}
	if f.Q != "" {
		w.conds = append(w.conds, fmt.Sprintf(`name %s %s ESCAPE '\'`, s.d.ILike, w.param("%"+likeEscape(f.Q)+"%")))
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	return persons.list(ctx, s.db, &w, "id", f.Limit)
}

// Recipients implements warning.Store: one query, the subtrees as an OR of
// prefix matches that the region index serves.
func (s *Store) Recipients(ctx context.Context, q warning.RecipientQuery) ([]warning.Person, error) {
	var w where
	ors := make([]string, 0, len(q.Regions))
	for _, r := range q.Regions {
		ors = append(ors, fmt.Sprintf(`region LIKE %s ESCAPE '\'`, w.param(likeEscape(dispatchd.RegionPrefix(r))+"%")))
	}
	if len(ors) == 0 {
		return nil, nil
	}
	w.conds = append(w.conds, "("+strings.Join(ors, " OR ")+")")
	if len(q.Duties) > 0 {
		in := make([]string, len(q.Duties))
		for i, d := range q.Duties {
			in[i] = w.param(string(d))
		}
		w.conds = append(w.conds, "duty IN ("+strings.Join(in, ", ")+")")
	}
	if q.After != "" {
		w.add("id > ?", q.After)
	}
	return persons.list(ctx, s.db, &w, "id", q.Limit)
}

// PersonsByPhone implements warning.Store.
func (s *Store) PersonsByPhone(ctx context.Context, phones []string) ([]warning.Person, error) {
	if len(phones) == 0 {
		return nil, nil
	}
	var w where
	in := make([]string, len(phones))
	for i, p := range phones {
		in[i] = w.param(p)
	}
	w.conds = append(w.conds, "phone IN ("+strings.Join(in, ", ")+")")
	return persons.list(ctx, s.db, &w, "id", len(phones)*16+16)
}

// ImportPersons implements warning.Store.
func (s *Store) ImportPersons(ctx context.Context, list []warning.Person, ev *dispatchd.Event) error {
	return persons.importAll(ctx, s, list, []dispatchd.Event{*ev})
}
