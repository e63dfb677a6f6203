package realtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"dispatchd"
	"dispatchd/geo"
)

// Topic is a stream a websocket client may subscribe to.
type Topic string

// The topics of DESIGN.md.
const (
	TopicIncidents Topic = "incidents"
	TopicTeams     Topic = "teams"
	TopicPositions Topic = "positions"
	TopicTasks     Topic = "tasks"
	TopicOrders    Topic = "orders"
	TopicDepots    Topic = "depots"
	// TopicSupport carries the support_request.* events (跨区域支援) to the
	// command center; a snapshot holds nothing for it.
	TopicSupport Topic = "support"
	// TopicWarnings carries the warning.* events (预警 and their
	// call-and-answer) to the command center; a snapshot holds nothing for
	// it: the screen reads the warnings' summaries over HTTP.
	TopicWarnings Topic = "warnings"
	// TopicZones carries the risk zones' events: zones.imported to every
	// reader, zone.entered (a team in a red zone) to the command center
	// and the team's lead. A snapshot holds nothing for it: the screen
	// reads the zones over HTTP.
	TopicZones Topic = "zones"
)

// Topics lists every topic.
var Topics = []Topic{TopicIncidents, TopicTeams, TopicPositions, TopicTasks, TopicOrders, TopicDepots, TopicSupport, TopicWarnings, TopicZones}

// TopicSet is a set of topics as bits.
type TopicSet uint16

func topicBit(t Topic) TopicSet {
	if i := slices.Index(Topics, t); i >= 0 {
		return 1 << i
	}
	return 0
}

// Has reports whether the set holds t.
func (s TopicSet) Has(t Topic) bool { return s&topicBit(t) != 0 }

// MaxFrame is the largest message a client may send: a batch of MaxBatch
// positions fits.
const MaxFrame = 512 << 10

// ClientMessage is a message from a websocket client: a subscription, or a
// tracker's batch of positions.
type ClientMessage struct {
	Op        string     `json:"op"`
	Topics    []Topic    `json:"topics,omitempty"`
	BBox      []float64  `json:"bbox,omitempty"`
	Since     *int64     `json:"since,omitempty"`
	Positions []Position `json:"positions,omitempty"`
}

// The client operations.
const (
	OpSubscribe = "subscribe"
	OpPositions = "positions"
	OpPing      = "ping"
)

// SubscribeRequest is a decoded, checked subscribe message.
type SubscribeRequest struct {
	Topics TopicSet
	BBox   *geo.BBox
	// Since is the last event the client saw; nil asks for a snapshot.
	Since *int64
}

// DecodeMessage reads one client message and checks it. Errors carry
// dispatchd.EINVALID with the field at fault.
func DecodeMessage(b []byte) (*ClientMessage, error) {
	if len(b) > MaxFrame {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "message of %d bytes is larger than %d", len(b), MaxFrame)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m ClientMessage
	if err := dec.Decode(&m); err != nil {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "message is not valid JSON of the protocol: %s", cleanJSONError(err))
	}
	if dec.More() {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "one JSON object per message")
	}
	switch m.Op {
	case OpSubscribe, OpPing:
	case OpPositions:
		if len(m.Positions) == 0 {
			return nil, fieldErr("positions", "at least one position is required")
		}
		if len(m.Positions) > MaxBatch {
			return nil, fieldErr("positions", fmt.Sprintf("at most %d positions per message", MaxBatch))
		}
	case "":
		return nil, fieldErr("op", "op is required: subscribe, positions or ping")
	default:
		return nil, fieldErr("op", fmt.Sprintf("unknown op %q: subscribe, positions or ping", truncate(m.Op, 32)))
	}
	return &m, nil
}

// Subscribe checks a subscribe message's topics, bbox and since.
func (m *ClientMessage) Subscribe() (SubscribeRequest, error) {
	var s SubscribeRequest
	if len(m.Topics) == 0 {
		return s, fieldErr("topics", "at least one topic is required: "+topicNames())
	}
	for _, t := range m.Topics {
		b := topicBit(t)
		if b == 0 {
			return s, fieldErr("topics", fmt.Sprintf("unknown topic %q: %s", truncate(string(t), 32), topicNames()))
		}
		s.Topics |= b
	}
	if m.BBox != nil {
		if len(m.BBox) != 4 {
			return s, fieldErr("bbox", "bbox is [west, south, east, north]")
		}
		for _, v := range m.BBox {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return s, fieldErr("bbox", "bbox holds a value that is not a number")
			}
		}
		w, south, e, n := m.BBox[0], m.BBox[1], m.BBox[2], m.BBox[3]
		b := geo.NewBBox(w, south, e, n)
		if south > n || south < -90 || n > 90 || w < -180 || e > 180 || w > e {
			return s, fieldErr("bbox", "bbox is [west, south, east, north] in degrees, west <= east and south <= north")
		}
		s.BBox = &b
	}
	if m.Since != nil && *m.Since < 0 {
		return s, fieldErr("since", "since is an event id, 0 or more")
	}
	s.Since = m.Since
	return s, nil
}

func fieldErr(field, msg string) error {
	return dispatchd.Invalid(dispatchd.FieldError{Field: field, Message: msg})
}

func topicNames() string {
	names := make([]string, len(Topics))
	for i, t := range Topics {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// cleanJSONError keeps a decoding error short and free of the input.
func cleanJSONError(err error) string {
	return truncate(err.Error(), 160)
}
