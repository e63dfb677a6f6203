package sqldb

import (
	"context"
	"fmt"
	"slices"

	"dispatchd/dispatch"
)

// Proposed and chosen: the records of the suggestions served, written once
// (an id stored already is left as it is), and what each dispatch that
// named one chose of it.

var choiceDocs = doc[dispatch.Choice]{
	name: "suggestion_choices", what: "suggestion choice",
	cols:   []string{"incident_id", "suggestion_id"},
	values: func(c *dispatch.Choice) []any { return []any{c.Incident, c.Suggestion} },
	id:     func(c *dispatch.Choice) string { return c.ID },
}

const insertProposals = `INSERT INTO suggestions (id, incident_id, event_id, asked_at, doc) VALUES`

// SaveProposals implements dispatch.Store.
func (s *Store) SaveProposals(ctx context.Context, ps []*dispatch.Proposal) error {
	if len(ps) == 0 {
		return nil
	}
	return s.tx(ctx, func(q Querier) error { return s.putProposals(ctx, q, ps) })
}

func (s *Store) putProposals(ctx context.Context, q Querier, ps []*dispatch.Proposal) error {
	// One row per id: a batch may hold a record twice.
	seen := make(map[string]bool, len(ps))
	ps = slices.DeleteFunc(slices.Clone(ps), func(p *dispatch.Proposal) bool {
		dup := seen[p.ID]
		seen[p.ID] = true
		return dup
	})
	err := s.insertMany(ctx, q, insertProposals, 5, len(ps), `ON CONFLICT (id) DO NOTHING`, func(i int) []any {
		p := ps[i]
		return []any{p.ID, p.Incident, p.EventID, p.AskedAt, jsonText(p)}
	})
	if err != nil {
		return fmt.Errorf("save %d suggestion records: %w", len(ps), err)
	}
	return nil
}

// GetProposal implements dispatch.Store.
func (s *Store) GetProposal(ctx context.Context, id string) (*dispatch.Proposal, error) {
	var b []byte
	if err := s.db.QueryRow(ctx, `SELECT doc FROM suggestions WHERE id = $1`, id).Scan(&b); err != nil {
		return nil, notFound(err, "suggestion %s not found", id)
	}
	p := new(dispatch.Proposal)
	return p, scanJSON(b, p)
}

// IncidentChoices implements dispatch.Store.
func (s *Store) IncidentChoices(ctx context.Context, incident string) ([]dispatch.Choice, error) {
	var w where
	w.add("incident_id = ?", incident)
	out, err := choiceDocs.list(ctx, s.db, &w, 0, "")
	if err != nil {
		return nil, err
	}
	// list is newest first; ids are time-ordered (UUIDv7).
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// writeChoice writes the record a dispatch names, unless it is stored,
// and what the dispatch chose of it, in the dispatch's transaction.
func (s *Store) writeChoice(ctx context.Context, q Querier, ch *dispatch.Change) error {
	if ch.Proposal != nil {
		if err := s.putProposals(ctx, q, []*dispatch.Proposal{ch.Proposal}); err != nil {
			return err
		}
	}
	if ch.Choice == nil {
		return nil
	}
	return choiceDocs.put(ctx, s, q, []*dispatch.Choice{ch.Choice})
}
