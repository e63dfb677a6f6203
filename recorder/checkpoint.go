package recorder

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"dispatchd/dispatch"
	"dispatchd/resources"
)

// Checkpoint is the state at one event, stored compactly. A base holds the
// whole state; the others hold the open incidents, tasks and orders whole
// and, of teams, depots and stock (the bulk), only what changed since
// their base.
type Checkpoint struct {
	EventID int64
	// TS is the time of event EventID.
	TS time.Time
	// Base is the event id of the base checkpoint; EventID for a base.
	Base int64
	// Data is the gzipped encoding (encode).
	Data []byte
}

// IsBase reports whether the checkpoint holds the whole state.
func (c *Checkpoint) IsBase() bool { return c.Base == c.EventID }

// doc is the JSON part of a checkpoint; the stock lines follow it in a
// binary form, which decodes ten times faster than JSON.
type doc struct {
	BaseTS    time.Time           `json:"base_ts"`
	Incidents []dispatch.Incident `json:"incidents"`
	Refs      map[string]Ref      `json:"refs,omitempty"`
	Tasks     []dispatch.Task     `json:"tasks"`
	Orders    []dispatch.Order    `json:"orders"`
	Teams     []resources.Team    `json:"teams"`
	Depots    []resources.Depot   `json:"depots"`
	// Removed teams and depots since the base (deltas only).
	RemovedTeams  []string `json:"removed_teams,omitempty"`
	RemovedDepots []string `json:"removed_depots,omitempty"`
}

// removedLevel marks a stock line a delta removes.
const removedLevel = -1

// Encode makes a checkpoint of the model: a base when base is true (the
// model's changes are then counted from it), else a delta against the
// model's base.
func (m *Model) Encode(base bool) (*Checkpoint, error) {
	m.pruneRefs()
	if base {
		m.Base, m.BaseTS = m.EventID, m.TS
	}
	d := doc{BaseTS: m.BaseTS, Refs: m.Refs, Incidents: values(m.Incidents), Tasks: values(m.Tasks), Orders: values(m.Orders)}
	stock := map[StockKey]Level{}
	if base {
		d.Teams, d.Depots = values(m.Teams), values(m.Depots)
		stock = m.Stock
	} else {
		d.Teams, d.Depots = []resources.Team{}, []resources.Depot{}
		for id := range m.teams {
			if t, ok := m.Teams[id]; ok {
				d.Teams = append(d.Teams, t)
			} else {
				d.RemovedTeams = append(d.RemovedTeams, id)
			}
		}
		for id := range m.depots {
			if x, ok := m.Depots[id]; ok {
				d.Depots = append(d.Depots, x)
			} else {
				d.RemovedDepots = append(d.RemovedDepots, id)
			}
		}
		sort.Strings(d.RemovedTeams)
		sort.Strings(d.RemovedDepots)
		for k := range m.stock {
			if l, ok := m.Stock[k]; ok {
				stock[k] = l
			} else {
				stock[k] = Level{OnHand: removedLevel}
			}
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := bufio.NewWriter(zw)
	js, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode a checkpoint: %w", err)
	}
	var num [binary.MaxVarintLen64]byte
	w.Write(num[:binary.PutUvarint(num[:], uint64(len(js)))])
	w.Write(js)
	writeStock(w, stock)
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if base {
		m.resetChanges()
	}
	return &Checkpoint{EventID: m.EventID, TS: m.TS, Base: m.Base, Data: buf.Bytes()}, nil
}

// writeStock writes the lines sorted, each depot and item once in a table
// before them: count, strings, then per line depot index, item index,
// on hand + 1 and reserved as varints.
func writeStock(w *bufio.Writer, stock map[StockKey]Level) {
	keys := make([]StockKey, 0, len(stock))
	for k := range stock {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Depot != keys[j].Depot {
			return keys[i].Depot < keys[j].Depot
		}
		return keys[i].Item < keys[j].Item
	})
	index := map[string]uint64{}
	var names []string
	for _, k := range keys {
		for _, s := range []string{k.Depot, k.Item} {
			if _, ok := index[s]; !ok {
				index[s] = uint64(len(names))
				names = append(names, s)
			}
		}
	}
	var num [binary.MaxVarintLen64]byte
	put := func(v uint64) { w.Write(num[:binary.PutUvarint(num[:], v)]) }
	put(uint64(len(names)))
	for _, s := range names {
		put(uint64(len(s)))
		w.WriteString(s)
	}
	put(uint64(len(keys)))
	for _, k := range keys {
		l := stock[k]
		put(index[k.Depot])
		put(index[k.Item])
		put(uint64(l.OnHand + 1))
		put(uint64(l.Reserved))
	}
}

// Decode reads a checkpoint. For a delta, base must be its base decoded
// (Decode(base, nil)); the model returned is the base's with the delta
// applied, and base must not be used again.
func Decode(c *Checkpoint, base *Model) (*Model, error) {
	if !c.IsBase() && (base == nil || base.EventID != c.Base) {
		return nil, fmt.Errorf("checkpoint %d needs its base %d", c.EventID, c.Base)
	}
	zr, err := gzip.NewReader(bytes.NewReader(c.Data))
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %d: %w", c.EventID, err)
	}
	r := bufio.NewReaderSize(zr, 1<<16)
	m, err := decode(r, c, base)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %d: %w", c.EventID, err)
	}
	return m, nil
}

func decode(r *bufio.Reader, c *Checkpoint, base *Model) (*Model, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > 1<<31 {
		return nil, errors.New("the document is too large")
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(r, js); err != nil {
		return nil, err
	}
	var d doc
	if err := json.Unmarshal(js, &d); err != nil {
		return nil, err
	}
	m := base
	if m == nil {
		m = NewModel()
	}
	m.EventID, m.TS, m.Base, m.BaseTS = c.EventID, c.TS, c.Base, d.BaseTS
	m.Incidents, m.Tasks, m.Orders = byID(d.Incidents, incidentID), byID(d.Tasks, taskID), byID(d.Orders, orderID)
	m.Refs = d.Refs
	if m.Refs == nil {
		m.Refs = map[string]Ref{}
	}
	for _, t := range d.Teams {
		m.Teams[t.ID] = t
		if base != nil {
			m.teams[t.ID] = true
		}
	}
	for _, id := range d.RemovedTeams {
		delete(m.Teams, id)
		m.teams[id] = true
	}
	for _, x := range d.Depots {
		m.Depots[x.ID] = x
		if base != nil {
			m.depots[x.ID] = true
		}
	}
	for _, id := range d.RemovedDepots {
		delete(m.Depots, id)
		m.depots[id] = true
	}
	if err := readStock(r, m, base != nil); err != nil {
		return nil, err
	}
	return m, nil
}

// varReader reads varints and keeps the first error.
type varReader struct {
	r   *bufio.Reader
	err error
}

func (v *varReader) uint() uint64 {
	if v.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(v.r)
	v.err = err
	return x
}

// maxLines bounds the string table and the lines a checkpoint may declare,
// far above a national deployment's stock.
const maxLines = 1 << 26

func readStock(r *bufio.Reader, m *Model, delta bool) error {
	v := &varReader{r: r}
	n := v.uint()
	if n > maxLines {
		return errors.New("too many stock names")
	}
	names := make([]string, 0, n)
	for range n {
		size := v.uint()
		if v.err != nil || size > 1<<16 {
			return errors.Join(v.err, errors.New("a stock name is unreadable"))
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		names = append(names, string(b))
	}
	lines := v.uint()
	if lines > maxLines {
		return errors.New("too many stock lines")
	}
	if !delta {
		// A base's lines come sorted, into an empty model.
		m.Stock = make(map[StockKey]Level, lines)
		m.keys = make([]StockKey, 0, lines)
	}
	for range lines {
		di, ii := v.uint(), v.uint()
		l := Level{OnHand: int64(v.uint()) - 1, Reserved: int64(v.uint())}
		if v.err != nil {
			return v.err
		}
		if di >= uint64(len(names)) || ii >= uint64(len(names)) {
			return errors.New("a stock line names no depot or item")
		}
		k := StockKey{names[di], names[ii]}
		if delta {
			m.stock[k] = true
			if l.OnHand == removedLevel {
				m.removed = true
			} else if _, ok := m.Stock[k]; !ok {
				m.added = append(m.added, k)
			}
		} else {
			m.keys = append(m.keys, k)
		}
		if l.OnHand == removedLevel {
			delete(m.Stock, k)
		} else {
			m.Stock[k] = l
		}
	}
	return nil
}

func values[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func byID[V any](list []V, id func(*V) string) map[string]V {
	out := make(map[string]V, len(list))
	for i := range list {
		out[id(&list[i])] = list[i]
	}
	return out
}

func incidentID(in *dispatch.Incident) string { return in.ID }
func taskID(t *dispatch.Task) string          { return t.ID }
func orderID(o *dispatch.Order) string        { return o.ID }
