package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"dispatchd"
	"dispatchd/realtime"
)

// TrackReader reads the position history.
type TrackReader interface {
	// Track returns up to limit positions of team with device times from
	// from (inclusive) to to (exclusive), oldest first.
	Track(ctx context.Context, team string, from, to time.Time, limit int) ([]realtime.Position, error)
}

// Bounds of a track request.
const (
	defaultTrackLimit = 10_000
	maxTrackLimit     = 100_000
	defaultTrackSpan  = 24 * time.Hour
	maxTrackSpan      = 31 * 24 * time.Hour
)

// track is a team's track as an RFC 7946 Feature. Its geometry is a
// LineString when the range holds two fixes or more; a LineString needs
// two positions, so one fix is a Point and none is a null geometry (an
// unlocated Feature). The properties run parallel to the positions:
// times[i] and speeds[i] belong to the i-th fix.
type track = geojson.FeatureOf[trackProperties]

type trackProperties struct {
	Team   string      `json:"team"`
	Times  []time.Time `json:"times"`
	Speeds []*float64  `json:"speeds"`
	Count  int         `json:"count"`
	// Truncated says that the range holds more fixes than limit: the
	// oldest are returned; ask again from just after the last time.
	Truncated bool `json:"truncated"`
}

// getTrack handles GET /api/v1/teams/:id/track: GeoJSON, or GPX 1.1 with
// format=gpx or by Accept.
func (s *Server) getTrack(c echo.Context) error {
	q := newQuery(c)
	format := enum(q, "format", []string{"geojson", "gpx"})
	to := queryTime(q, "to", time.Now().UTC())
	from := queryTime(q, "from", to.Add(-defaultTrackSpan))
	limit := int(q.int("limit", 1, maxTrackLimit))
	if limit == 0 {
		limit = defaultTrackLimit
	}
	switch {
	case len(q.errs) > 0: // a bad time; the range says nothing more
	case !from.Before(to):
		q.errs.Add("from", "must be before to")
	case to.Sub(from) > maxTrackSpan:
		q.errs.Add("from", "must be at most 31 days before to")
	}
	if err := q.err(); err != nil {
		return err
	}
	if format == "" {
		as, err := negotiate(c, mimeGeoJSON, mimeJSON, mimeGPX)
		if err != nil {
			return err
		}
		if format = "geojson"; as == mimeGPX {
			format = "gpx"
		}
	}
	if s.d.Track == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no position history")
	}
	ctx, team := c.Request().Context(), c.Param("id")
	t, err := s.d.Registry.TrackTeam(ctx, actor(c), team)
	if err != nil {
		return err
	}
	ps, err := s.d.Track.Track(ctx, team, from, to, limit+1)
	if err != nil {
		return err
	}
	if format == "gpx" {
		truncated := len(ps) > limit
		attachment(c, mimeGPX, "track-"+team+".gpx", "轨迹-"+fileName(t.Name)+"-"+team+".gpx")
		return writeGPX(c.Response(), team, t.Name, ps[:min(len(ps), limit)], truncated, time.Now())
	}
	return replyTrack(c, team, ps, limit)
}

// mimeGeoJSON is RFC 7946's media type.
const mimeGeoJSON = "application/geo+json"

func replyTrack(c echo.Context, team string, ps []realtime.Position, limit int) error {
	truncated := len(ps) > limit
	ps = ps[:min(len(ps), limit)]
	out := track{Type: "Feature",
		Properties: trackProperties{Team: team, Times: make([]time.Time, len(ps)), Speeds: make([]*float64, len(ps)),
			Count: len(ps), Truncated: truncated}}
	line := make(orb.LineString, len(ps))
	for i, p := range ps {
		line[i] = orb.Point{p.Lon, p.Lat}
		out.Properties.Times[i] = p.TS.UTC()
		out.Properties.Speeds[i] = p.Speed
	}
	switch len(ps) {
	case 0: // no position: a nil geometry is written null
	case 1:
		out.Geometry = line[0]
	default:
		out.Geometry = line
	}
	c.Response().Header().Set(echo.HeaderContentType, mimeGeoJSON)
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), out)
}

// queryTime reads an RFC 3339 time parameter, def when it is absent.
func queryTime(q *query, name string, def time.Time) time.Time {
	s := q.str(name)
	if s == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		q.errs.Add(name, "must be an RFC 3339 time such as 2026-07-01T08:00:00Z")
		return def
	}
	return t.UTC()
}
