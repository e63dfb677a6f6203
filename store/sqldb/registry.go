package sqldb

import (
	"context"
	"fmt"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

var _ resources.Store = (*Store)(nil)

var items = &table[resources.Item]{
	name: "items", what: "item",
	cols: []string{"code", "name", "kind", "unit", "category", "created_at", "updated_at"},
	values: func(it *resources.Item) []any {
		return []any{it.Code, it.Name, string(it.Kind), it.Unit, it.Category, it.CreatedAt, it.UpdatedAt}
	},
	scan: func(sc scanner) (resources.Item, error) {
		var it resources.Item
		err := sc.Scan(&it.Code, &it.Name, &it.Kind, &it.Unit, &it.Category, &it.CreatedAt, &it.UpdatedAt)
		return it, err
	},
	key:  func(it *resources.Item) string { return it.Code },
	keep: []string{"created_at"},
}

var teams = &table[resources.Team]{
	name: "teams", what: "team",
	cols: []string{"id", "name", "kind", "capabilities", "headcount", "leader_name", "leader_phone", "duty_phone",
		"lon", "lat", "address", "region", "equipment", "status", "position_stale", "created_at", "updated_at"},
	values: func(t *resources.Team) []any {
		caps, eq := t.Capabilities, t.Equipment
		if caps == nil {
			caps = []string{}
		}
		if eq == nil {
			eq = []resources.ItemQty{}
		}
		return []any{t.ID, t.Name, string(t.Kind), jsonText(caps), t.Headcount, t.Leader.Name, t.Leader.Phone,
			t.DutyPhone, t.Base.Lon, t.Base.Lat, t.Address, t.Region, jsonText(eq), string(t.Status), t.PositionStale,
			t.CreatedAt, t.UpdatedAt}
	},
	scan: func(sc scanner) (resources.Team, error) {
		var t resources.Team
		var caps, eq []byte
		err := sc.Scan(&t.ID, &t.Name, &t.Kind, &caps, &t.Headcount, &t.Leader.Name, &t.Leader.Phone, &t.DutyPhone,
			&t.Base.Lon, &t.Base.Lat, &t.Address, &t.Region, &eq, &t.Status, &t.PositionStale, &t.CreatedAt, &t.UpdatedAt)
		if err != nil {
			return t, err
		}
		if err := scanJSON(caps, &t.Capabilities); err != nil {
			return t, err
		}
		return t, scanJSON(eq, &t.Equipment)
	},
	key: func(t *resources.Team) string { return t.ID },
	// An import changes the registry fields, not what dispatch and the
	// stale-position watcher keep.
	keep: []string{"created_at", "status", "position_stale"},
}

var depots = &table[resources.Depot]{
	name: "depots", what: "depot",
	cols: []string{"id", "name", "tier", "reserve", "lon", "lat", "address", "manager_name", "manager_phone",
		"region", "created_at", "updated_at"},
	values: func(d *resources.Depot) []any {
		return []any{d.ID, d.Name, string(d.Tier), string(d.Reserve), d.Location.Lon, d.Location.Lat, d.Address,
			d.Manager.Name, d.Manager.Phone, d.Region, d.CreatedAt, d.UpdatedAt}
	},
	scan: func(sc scanner) (resources.Depot, error) {
		var d resources.Depot
		err := sc.Scan(&d.ID, &d.Name, &d.Tier, &d.Reserve, &d.Location.Lon, &d.Location.Lat, &d.Address,
			&d.Manager.Name, &d.Manager.Phone, &d.Region, &d.CreatedAt, &d.UpdatedAt)
		return d, err
	},
	key:  func(d *resources.Depot) string { return d.ID },
	keep: []string{"created_at"},
}

// CreateItem implements resources.Store.
func (s *Store) CreateItem(ctx context.Context, it *resources.Item, ev *dispatchd.Event) error {
	return items.create(ctx, s, it, ev)
}

// UpdateItem implements resources.Store.
func (s *Store) UpdateItem(ctx context.Context, code string, decide func(*resources.Item) (*dispatchd.Event, error)) (*resources.Item, error) {
	return items.update(ctx, s, code, decide)
}

// DeleteItem implements resources.Store.
func (s *Store) DeleteItem(ctx context.Context, code string, ev *dispatchd.Event) error {
	return items.delete(ctx, s, code, func(*resources.Item) (*dispatchd.Event, error) { return ev, nil }, func(q Querier) error {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM stock WHERE item_code = $1`, code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dispatchd.Errorf(dispatchd.ECONFLICT, "item %s is stocked at %d depots; it cannot be deleted", code, n)
		}
		return nil
	})
}

// GetItem implements resources.Store.
func (s *Store) GetItem(ctx context.Context, code string) (*resources.Item, error) {
	return items.get(ctx, s, s.db, code, false)
}

// ListItems implements resources.Store.
func (s *Store) ListItems(ctx context.Context, f resources.ItemFilter) ([]resources.Item, error) {
	var w where
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if f.Category != "" {
		w.add("category = ?", f.Category)
	}
	if f.Q != "" {
		p := w.param("%" + likeEscape(f.Q) + "%")
		w.conds = append(w.conds, fmt.Sprintf(`(name %s %s ESCAPE '\' OR code LIKE %s ESCAPE '\')`, s.d.ILike, p, p))
	}
	if f.After != "" {
		w.add("code > ?", f.After)
	}
	return items.list(ctx, s.db, &w, "code", f.Limit)
}

// ItemCodes implements resources.Store.
func (s *Store) ItemCodes(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT code FROM items ORDER BY code`)
}

// ImportItems implements resources.Store.
func (s *Store) ImportItems(ctx context.Context, list []resources.Item, evs []dispatchd.Event) error {
	return items.importAll(ctx, s, list, evs)
}

// CreateTeam implements resources.Store.
func (s *Store) CreateTeam(ctx context.Context, t *resources.Team, ev *dispatchd.Event) error {
	return teams.create(ctx, s, t, ev)
}

// UpdateTeam implements resources.Store.
func (s *Store) UpdateTeam(ctx context.Context, id string, decide func(*resources.Team) (*dispatchd.Event, error)) (*resources.Team, error) {
	return teams.update(ctx, s, id, decide)
}

// DeleteTeam implements resources.Store.
func (s *Store) DeleteTeam(ctx context.Context, id string, decide func(*resources.Team) (*dispatchd.Event, error)) error {
	return teams.delete(ctx, s, id, decide, nil)
}

// GetTeam implements resources.Store.
func (s *Store) GetTeam(ctx context.Context, id string) (*resources.Team, error) {
	return teams.get(ctx, s, s.db, id, false)
}

// ListTeams implements resources.Store.
func (s *Store) ListTeams(ctx context.Context, f resources.TeamFilter) ([]resources.Team, error) {
	var w where
	s.commonFilter(&w, f.Prefix, f.Region, f.Q, f.BBox, f.After)
	if f.Kind != "" {
		w.add("kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.Capability != "" {
		w.conds = append(w.conds, s.d.JSONArrayHas("capabilities", w.param(f.Capability)))
	}
	return teams.list(ctx, s.db, &w, "id", f.Limit)
}

// TeamRegions implements resources.Store.
func (s *Store) TeamRegions(ctx context.Context, prefix string) (map[string]string, error) {
	return s.regions(ctx, "teams", prefix)
}

// ImportTeams implements resources.Store.
func (s *Store) ImportTeams(ctx context.Context, list []resources.Team, evs []dispatchd.Event) error {
	return teams.importAll(ctx, s, list, evs)
}

// CreateDepot implements resources.Store.
func (s *Store) CreateDepot(ctx context.Context, d *resources.Depot, ev *dispatchd.Event) error {
	return depots.create(ctx, s, d, ev)
}

// UpdateDepot implements resources.Store.
func (s *Store) UpdateDepot(ctx context.Context, id string, decide func(*resources.Depot) (*dispatchd.Event, error)) (*resources.Depot, error) {
	return depots.update(ctx, s, id, decide)
}

// DeleteDepot implements resources.Store.
func (s *Store) DeleteDepot(ctx context.Context, id string, decide func(*resources.Depot) (*dispatchd.Event, error)) error {
	return depots.delete(ctx, s, id, decide, func(q Querier) error {
		var n int
		if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM stock WHERE depot_id = $1 AND (on_hand > 0 OR reserved > 0)`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return dispatchd.Errorf(dispatchd.ECONFLICT, "depot %s still holds %d items; adjust its stock to zero first", id, n)
		}
		_, err := q.Exec(ctx, `DELETE FROM stock WHERE depot_id = $1`, id)
		return err
	})
}

// GetDepot implements resources.Store.
func (s *Store) GetDepot(ctx context.Context, id string) (*resources.Depot, error) {
	return depots.get(ctx, s, s.db, id, false)
}

// ListDepots implements resources.Store.
func (s *Store) ListDepots(ctx context.Context, f resources.DepotFilter) ([]resources.Depot, error) {
	var w where
	s.commonFilter(&w, f.Prefix, f.Region, f.Q, f.BBox, f.After)
	if f.Tier != "" {
		w.add("tier = ?", string(f.Tier))
	}
	if f.Reserve != "" {
		w.add("reserve = ?", string(f.Reserve))
	}
	return depots.list(ctx, s.db, &w, "id", f.Limit)
}

// DepotIDs implements resources.Store.
func (s *Store) DepotIDs(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT id FROM depots ORDER BY id`)
}

// DepotRegions implements resources.Store.
func (s *Store) DepotRegions(ctx context.Context, prefix string) (map[string]string, error) {
	return s.regions(ctx, "depots", prefix)
}

// regions returns id → region of the rows of table (teams, depots) whose
// region starts with prefix.
func (s *Store) regions(ctx context.Context, table, prefix string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id, region FROM `+table+` WHERE region LIKE $1 ESCAPE '\'`, likeEscape(prefix)+"%")
	if err != nil {
		return nil, fmt.Errorf("list regions of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, region string
		if err := rows.Scan(&id, &region); err != nil {
			return nil, err
		}
		out[id] = region
	}
	return out, rows.Err()
}

// ImportDepots implements resources.Store.
func (s *Store) ImportDepots(ctx context.Context, list []resources.Depot, evs []dispatchd.Event) error {
	return depots.importAll(ctx, s, list, evs)
}

func (s *Store) commonFilter(w *where, prefix, region, q string, bbox *geo.BBox, after string) {
	if prefix != "" {
		w.add(`region LIKE ? ESCAPE '\'`, likeEscape(prefix)+"%")
	}
	if region != "" {
		w.add("region LIKE ?", resources.RegionPrefix(region)+"%")
	}
	if q != "" {
		w.conds = append(w.conds, fmt.Sprintf(`name %s %s ESCAPE '\'`, s.d.ILike, w.param("%"+likeEscape(q)+"%")))
	}
	if bbox != nil {
		w.add("lon BETWEEN ? AND ?", bbox.Left(), bbox.Right())
		w.add("lat BETWEEN ? AND ?", bbox.Bottom(), bbox.Top())
	}
	if after != "" {
		w.add("id > ?", after)
	}
}

func (s *Store) strings(ctx context.Context, sql string, args ...any) ([]string, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
