package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/replay"
)

// newReplay builds the replay's reader from the deps, nil when they lack
// the event log or the registry.
func newReplay(d Deps) *replay.Service {
	if d.Events == nil || d.Registry == nil {
		return nil
	}
	var tracks replay.TrackStore
	if d.Track != nil {
		tracks = d.Track
	}
	return replay.NewService(d.Events, tracks, d.Registry)
}

// replayWindow is the answer of GET /api/v1/replay.
type replayWindow struct {
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	Events    []dispatchd.Event `json:"events"`
	NextSince int64             `json:"next_since"`
	More      bool              `json:"more"`
	Tracks    []replayTrack     `json:"tracks"`
}

// replayTrack is a team's thinned track; each point is [lon, lat, "ts"].
type replayTrack struct {
	Team   string   `json:"team"`
	Points [][3]any `json:"points"`
}

// getReplay handles GET /api/v1/replay: the events and the thinned tracks
// of a window of at most an hour, as the caller may see them.
func (s *Server) getReplay(c echo.Context) error {
	q := newQuery(c)
	rq := replay.Query{From: q.time("from"), To: q.time("to"), Since: q.int("since", 0, 1<<62), Tracks: true}
	if b := q.bool("tracks"); b != nil {
		rq.Tracks = *b
	}
	if err := q.err(); err != nil {
		return err
	}
	if s.replay == nil {
		return dispatchd.Errorf(dispatchd.EUNAVAILABLE, "this server keeps no event log to replay")
	}
	w, err := s.replay.Window(c.Request().Context(), actor(c), rq)
	if err != nil {
		return err
	}
	out := replayWindow{From: w.From, To: w.To, Events: w.Events, NextSince: w.NextSince, More: w.More,
		Tracks: make([]replayTrack, len(w.Tracks))}
	for i, tr := range w.Tracks {
		pts := make([][3]any, len(tr.Points))
		for j, p := range tr.Points {
			pts[j] = [3]any{p.Lon, p.Lat, p.TS}
		}
		out.Tracks[i] = replayTrack{Team: tr.Team, Points: pts}
	}
	return reply(c, http.StatusOK, out)
}
