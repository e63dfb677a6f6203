package sqldb

import (
	"context"
	"fmt"
	"time"

	"dispatchd"
	"dispatchd/zones"
)

var _ zones.Store = (*Store)(nil)

const zoneCols = `forecast, id, level, hazard, name, valid_from, valid_to, geometry, created_at, created_by`

// ImportZones implements zones.Store.
func (s *Store) ImportZones(ctx context.Context, zs []zones.Zone, replace []zones.Window, now time.Time, event func(superseded int) dispatchd.Event) (int, error) {
	var superseded int
	err := s.tx(ctx, func(q Querier) error {
		superseded = 0
		for _, w := range replace {
			n, err := q.Exec(ctx, `UPDATE zones SET superseded_at = $1
				WHERE superseded_at IS NULL AND hazard = $2 AND valid_from < $3 AND valid_to > $4`,
				now.UTC(), w.Hazard, w.To.UTC(), w.From.UTC())
			if err != nil {
				return fmt.Errorf("supersede %s zones: %w", w.Hazard, err)
			}
			superseded += int(n)
		}
		err := s.insertMany(ctx, q, "INSERT INTO zones ("+zoneCols+", min_lon, min_lat, max_lon, max_lat) VALUES", 14, len(zs), "",
			func(i int) []any {
				z := &zs[i]
				b := z.Geometry.Bound()
				return []any{z.Forecast, z.ID, z.Level, z.Hazard, z.Name, z.ValidFrom.UTC(), z.ValidTo.UTC(),
					zones.GeometryJSON(z.Geometry), z.CreatedAt.UTC(), z.CreatedBy, b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
			})
		if err != nil {
			return fmt.Errorf("insert zones: %w", err)
		}
		ev := event(superseded)
		return s.appendEvents(ctx, q, &ev)
	})
	if err != nil {
		return 0, err
	}
	return superseded, nil
}

// ListZones implements zones.Store.
func (s *Store) ListZones(ctx context.Context, f zones.Filter) ([]zones.Zone, error) {
	var w where
	if f.AsOf.IsZero() {
		w.add("superseded_at IS NULL")
	} else {
		w.add("created_at <= ?", f.AsOf.UTC())
		w.add("(superseded_at IS NULL OR superseded_at > ?)", f.AsOf.UTC())
	}
	if !f.At.IsZero() {
		w.add("valid_from <= ?", f.At.UTC())
		w.add("valid_to > ?", f.At.UTC())
	}
	if !f.EndsAfter.IsZero() {
		w.add("valid_to > ?", f.EndsAfter.UTC())
	}
	if f.Level != "" {
		w.add("level = ?", f.Level)
	}
	if f.Hazard != "" {
		w.add("hazard = ?", f.Hazard)
	}
	rows, err := s.db.Query(ctx, `SELECT `+zoneCols+` FROM zones`+w.String()+` ORDER BY valid_from, forecast, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list zones: %w", err)
	}
	defer rows.Close()
	out := []zones.Zone{}
	for rows.Next() {
		var z zones.Zone
		var g string
		if err := rows.Scan(&z.Forecast, &z.ID, &z.Level, &z.Hazard, &z.Name, &z.ValidFrom, &z.ValidTo, &g, &z.CreatedAt, &z.CreatedBy); err != nil {
			return nil, err
		}
		if z.Geometry, err = zones.ParseGeometry(g); err != nil {
			return nil, err
		}
		z.ValidFrom, z.ValidTo, z.CreatedAt = z.ValidFrom.UTC(), z.ValidTo.UTC(), z.CreatedAt.UTC()
		out = append(out, z)
	}
	return out, rows.Err()
}

// EnterZone implements zones.Store.
func (s *Store) EnterZone(ctx context.Context, team, zone string, at time.Time, ev dispatchd.Event) (bool, error) {
	var added bool
	err := s.tx(ctx, func(q Querier) error {
		n, err := q.Exec(ctx, `INSERT INTO zone_entries (team, zone, entered_at) VALUES ($1, $2, $3) ON CONFLICT (team, zone) DO NOTHING`,
			team, zone, at.UTC())
		if err != nil {
			return fmt.Errorf("record a zone entry: %w", err)
		}
		if added = n > 0; !added {
			return nil
		}
		return s.appendEvents(ctx, q, &ev)
	})
	return added, err
}
