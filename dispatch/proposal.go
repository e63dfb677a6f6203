package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"dispatchd/dispatch/plan"
)

// Proposal is the compact record of a suggestion served: what it proposed,
// at which event, to whom. Its ID is a hash of the incident, the event and
// the picks and plan lines, so an unchanged suggestion served again, to
// anyone, is the same record; AskedBy and AskedAt are the first asker's.
type Proposal struct {
	ID       string          `json:"id"`
	Incident string          `json:"incident"`
	EventID  int64           `json:"event_id"`
	Teams    []ProposedTeams `json:"teams"`
	Items    []ProposedItems `json:"items"`
	AskedBy  string          `json:"asked_by"`
	AskedAt  time.Time       `json:"asked_at"`
}

// ProposedTeams is what a suggestion proposed for one team need: its picks
// in rank order, and how many teams no one could provide.
type ProposedTeams struct {
	Need      string         `json:"need"`
	Picks     []ProposedPick `json:"picks"`
	Shortfall int            `json:"shortfall,omitempty"`
}

// ProposedPick is one team proposed, with its ETA in whole seconds;
// Support marks an outside team, asked for with a support request.
type ProposedPick struct {
	Team    string `json:"team"`
	EtaS    int64  `json:"eta_s"`
	Support bool   `json:"support,omitempty"`
}

// ProposedItems is what a suggestion proposed for one item need.
type ProposedItems struct {
	Item      string         `json:"item"`
	Lines     []ProposedLine `json:"lines"`
	Shortfall int64          `json:"shortfall,omitempty"`
}

// ProposedLine is a quantity proposed from one depot.
type ProposedLine struct {
	Depot   string `json:"depot"`
	Qty     int64  `json:"qty"`
	Support bool   `json:"support,omitempty"`
}

// NewProposal returns the record of a suggestion served to by at at.
func NewProposal(s *plan.Suggestion, by string, at time.Time) *Proposal {
	p := &Proposal{Incident: s.Incident, EventID: s.EventID, AskedBy: by, AskedAt: at,
		Teams: make([]ProposedTeams, len(s.Teams)), Items: make([]ProposedItems, len(s.Items))}
	for i, tp := range s.Teams {
		pt := ProposedTeams{Need: tp.Need, Shortfall: tp.Shortfall, Picks: make([]ProposedPick, len(tp.Picks))}
		for j, pk := range tp.Picks {
			pt.Picks[j] = ProposedPick{Team: pk.Team.ID, EtaS: int64(math.Round(pk.EtaS)), Support: pk.NeedsSupport}
		}
		p.Teams[i] = pt
	}
	for i, ip := range s.Items {
		pi := ProposedItems{Item: ip.Item, Shortfall: ip.Shortfall, Lines: make([]ProposedLine, 0, len(ip.Plan))}
		for _, l := range ip.Plan {
			if l.Qty > 0 {
				pi.Lines = append(pi.Lines, ProposedLine{Depot: l.Depot.ID, Qty: l.Qty, Support: l.NeedsSupport})
			}
		}
		p.Items[i] = pi
	}
	p.ID = p.hash()
	return p
}

// hash names the proposal by its incident, event and content: every field
// but who asked and when, each length-prefixed so no two contents collide
// by concatenation.
func (p *Proposal) hash() string {
	b := make([]byte, 0, 256)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	num := func(v int64) { b = binary.AppendVarint(b, v) }
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	str(p.Incident)
	num(p.EventID)
	num(int64(len(p.Teams)))
	for _, t := range p.Teams {
		str(t.Need)
		num(int64(t.Shortfall))
		num(int64(len(t.Picks)))
		for _, pk := range t.Picks {
			str(pk.Team)
			num(pk.EtaS)
			flag(pk.Support)
		}
	}
	num(int64(len(p.Items)))
	for _, it := range p.Items {
		str(it.Item)
		num(it.Shortfall)
		num(int64(len(it.Lines)))
		for _, l := range it.Lines {
			str(l.Depot)
			num(l.Qty)
			flag(l.Support)
		}
	}
	sum := sha256.Sum256(b)
	return "sg" + hex.EncodeToString(sum[:15])
}

// Defaults of the proposal log.
const (
	// DefaultProposalQueue bounds the records waiting to be written: when
	// the store falls behind, more are dropped and counted, and a GET of
	// suggestions never waits.
	DefaultProposalQueue = 4096
	// DefaultProposalsKept is how many recent records are kept in memory,
	// so that a dispatch can name a suggestion not yet written.
	DefaultProposalsKept = 8192
	proposalBatch        = 200
	proposalWriteTimeout = 5 * time.Second
)

// proposalLog is the records served and not yet known to be stored: a
// bounded queue for the writer loop and the recent records, by id.
type proposalLog struct {
	queue   chan *Proposal
	mu      sync.Mutex
	recent  map[string]*Proposal
	ring    []string // recent ids, oldest overwritten first
	next    int
	dropped atomic.Int64
}

func newProposalLog(queue, keep int) *proposalLog {
	return &proposalLog{queue: make(chan *Proposal, queue), recent: make(map[string]*Proposal, keep), ring: make([]string, keep)}
}

// served remembers p and queues it for writing, unless it is already
// remembered (an unchanged suggestion served again); a full queue drops
// it, counted.
func (l *proposalLog) served(p *Proposal) {
	l.mu.Lock()
	if _, ok := l.recent[p.ID]; ok {
		l.mu.Unlock()
		return
	}
	if old := l.ring[l.next]; old != "" {
		delete(l.recent, old)
	}
	l.ring[l.next] = p.ID
	l.next = (l.next + 1) % len(l.ring)
	l.recent[p.ID] = p
	l.mu.Unlock()
	select {
	case l.queue <- p:
	default:
		l.dropped.Add(1)
	}
}

func (l *proposalLog) lookup(id string) *Proposal {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recent[id]
}

// ProposalsDropped returns how many records of suggestions served were
// dropped, the queue full or the store failing; a dispatch that names one
// still recently served writes it.
func (s *Service) ProposalsDropped() int64 { return s.proposals.dropped.Load() }

// RunProposalLog writes the records of the suggestions served, in batches,
// until ctx ends; then it writes what is queued and returns. A batch the
// store refuses is reported and dropped.
func (s *Service) RunProposalLog(ctx context.Context, report func(error)) {
	l := s.proposals
	batch := make([]*Proposal, 0, proposalBatch)
	// A batch taken is written even when ctx ends meanwhile.
	flush := func() {
		if len(batch) == 0 {
			return
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proposalWriteTimeout)
		defer cancel()
		if err := s.store.SaveProposals(fctx, batch); err != nil {
			l.dropped.Add(int64(len(batch)))
			report(err)
		}
		batch = batch[:0]
	}
	fill := func() {
		for len(batch) < proposalBatch {
			select {
			case p := <-l.queue:
				batch = append(batch, p)
			default:
				return
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			for {
				fill()
				if len(batch) == 0 {
					return
				}
				flush()
			}
		case p := <-l.queue:
			batch = append(batch, p)
			fill()
			flush()
		}
	}
}
