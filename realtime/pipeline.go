package realtime

// PipelineStore is what the position pipeline reads and writes: the
// history, and the state the hub sends to screens.
type PipelineStore interface {
	HistoryStore
	StateSource
}

// PipelineConfig configures the parts of a Pipeline.
type PipelineConfig struct {
	Filter  FilterConfig
	History HistoryConfig
	Hub     HubConfig
}

// Pipeline is the path of positions through one node. Ingest checks each
// batch through the filter; every accepted fix goes to the History, and
// each team's newest goes on the bus, which hands every node's to the Hub
// (the screens) and to moved (such as the dispatch view). The caller runs
// History and Hub, and stops them.
type Pipeline struct {
	Ingest  *Ingest
	History *History
	Hub     *Hub
	deliver func([]Position)
	bus     Bus
}

// NewPipeline returns the pipeline of a single node (its bus in process):
// known says which teams exist; moved receives the positions that became
// their team's newest, from any node.
func NewPipeline(cfg PipelineConfig, st PipelineStore, known func(team string) bool, moved func([]Position)) *Pipeline {
	p := &Pipeline{History: NewHistory(st, cfg.History)}
	p.Ingest = NewIngest(NewFilter(cfg.Filter), known, p.take)
	p.Hub = NewHub(cfg.Hub, st, p.Ingest.Accept)
	p.deliver = p.Hub.Deliver(moved)
	p.bus = LocalBus(p.deliver)
	return p
}

// Deliver takes positions from the bus, from any node: give it to a bus
// that spans nodes.
func (p *Pipeline) Deliver(ps []Position) { p.deliver(ps) }

// UseBus makes the pipeline publish to b rather than to this node alone.
// Call it before any position arrives.
func (p *Pipeline) UseBus(b Bus) { p.bus = b }

// take is what Ingest hands on: never blocking, as Ingest requires.
func (p *Pipeline) take(live, accepted []Position) {
	p.History.Add(accepted...)
	if len(live) > 0 {
		p.bus.Publish(live)
	}
}
