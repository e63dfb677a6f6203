package resources

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"dispatchd"
	"dispatchd/geo"
)

// ImportKind is what a file imports.
type ImportKind string

// The import kinds.
const (
	ImportItems  ImportKind = "items"
	ImportTeams  ImportKind = "teams"
	ImportDepots ImportKind = "depots"
	ImportStock  ImportKind = "stock"
)

// ImportKinds lists every import kind.
var ImportKinds = []ImportKind{ImportItems, ImportTeams, ImportDepots, ImportStock}

// Format is the file format of an import.
type Format string

// The import formats.
const (
	CSV     Format = "csv"
	GeoJSON Format = "geojson"
)

// maxImportErrors bounds the errors reported for one file: past that, the
// rest are counted, not listed.
const maxImportErrors = 1000

// Batch is a parsed import: the rows of one kind and the line each came from.
// Rows whose shape was wrong (a number that is not one, say) are kept with
// their errors, so that Service.Import reports them with every other bad row.
type Batch struct {
	Kind   ImportKind
	Items  []Item
	Teams  []Team
	Depots []Depot
	Stock  []StockLevel
	Lines  []int

	errs rowErrors
	bad  map[int]bool // rows with shape errors: not validated further
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.Lines) }

// rowErrors collects errors by line, up to maxImportErrors.
type rowErrors struct {
	list  []dispatchd.FieldError
	total int
}

func (e *rowErrors) add(line int, field, format string, args ...any) {
	e.total++
	if len(e.list) < maxImportErrors {
		e.list = append(e.list, dispatchd.FieldError{Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

func (e *rowErrors) addErr(line int, err error) {
	fields := dispatchd.ErrorFields(err)
	if len(fields) == 0 {
		e.add(line, "", "%s", dispatchd.ErrorMessage(err))
		return
	}
	for _, f := range fields {
		e.add(line, f.Field, "%s", f.Message)
	}
}

func (e *rowErrors) err() error {
	if e.total == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d errors in the file; nothing was imported", e.total)
	if e.total == 1 {
		msg = "1 error in the file; nothing was imported"
	}
	if e.total > len(e.list) {
		msg += fmt.Sprintf(" (the first %d are listed)", len(e.list))
	}
	return &dispatchd.Error{Code: dispatchd.EINVALID, Message: msg, Fields: e.list}
}

// ParseImport decodes a CSV or GeoJSON file of one kind. It fails on a file
// it cannot read as a whole (no header, not JSON); errors in single rows are
// kept in the batch for Service.Import to report with the rest. A file that
// is not valid UTF-8 is read as GB18030, as spreadsheets in China save it.
func ParseImport(kind ImportKind, format Format, data []byte) (*Batch, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) {
			return nil, dispatchd.Errorf(dispatchd.EINVALID, "the file is neither UTF-8 nor GB18030 text")
		}
		data = dec
	}
	b := &Batch{Kind: kind, bad: map[int]bool{}}
	var fatal rowErrors
	switch format {
	case CSV:
		parseCSV(b, data, &fatal)
	case GeoJSON:
		parseGeoJSON(b, data, &fatal)
	default:
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "format", Message: "must be csv or geojson"})
	}
	if err := fatal.err(); err != nil {
		return nil, err
	}
	if b.Len() == 0 && b.errs.total == 0 {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "the file has no rows to import")
	}
	return b, nil
}

// csvColumns are the columns each kind accepts; the required ones first.
var csvColumns = map[ImportKind]struct{ required, optional []string }{
	ImportItems:  {[]string{"code", "name", "kind", "unit"}, []string{"category"}},
	ImportTeams:  {[]string{"name", "kind", "lon", "lat"}, []string{"id", "capabilities", "headcount", "leader_name", "leader_phone", "duty_phone", "crs", "address", "region", "equipment", "status"}},
	ImportDepots: {[]string{"name", "tier", "lon", "lat"}, []string{"id", "reserve", "crs", "address", "manager_name", "manager_phone", "region"}},
	ImportStock:  {[]string{"depot", "item", "on_hand"}, nil},
}

func parseCSV(b *Batch, data []byte, errs *rowErrors) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		errs.add(1, "", "cannot read the header row: %v", csvErr(err))
		return
	}
	cols := csvColumns[b.Kind]
	index := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := index[h]; dup {
			errs.add(1, h, "column is given twice")
		}
		index[h] = i
		if !containsStr(cols.required, h) && !containsStr(cols.optional, h) {
			errs.add(1, h, "unknown column")
		}
	}
	for _, c := range cols.required {
		if _, ok := index[c]; !ok {
			errs.add(1, c, "required column is missing")
		}
	}
	if errs.total > 0 {
		errs.add(1, "", "a %s file has the columns %s (required) and %s", b.Kind,
			strings.Join(cols.required, ", "), strings.Join(cols.optional, ", "))
		return
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			if errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote) {
				errs.add(line, "", "%v; the rest of the file cannot be read", csvErr(err))
				return // the reader cannot resynchronize after a bad quote
			}
			b.errs.add(line, "", "%v", csvErr(err))
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		line, _ := r.FieldPos(0)
		before := b.errs.total
		row := csvRow{rec: rec, index: index, line: line, errs: &b.errs}
		b.addCSVRow(&row)
		if b.errs.total > before {
			b.bad[len(b.Lines)-1] = true
		}
	}
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type csvRow struct {
	rec   []string
	index map[string]int
	line  int
	errs  *rowErrors
}

func (r *csvRow) str(col string) string {
	i, ok := r.index[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func (r *csvRow) int64(col string) int64 {
	s := r.str(col)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.errs.add(r.line, col, "%q is not a whole number", s)
	}
	return n
}

func (r *csvRow) float(col string) float64 {
	s := r.str(col)
	if s == "" {
		r.errs.add(r.line, col, "is required")
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.errs.add(r.line, col, "%q is not a number", s)
	}
	return f
}

func (r *csvRow) point() geo.Point {
	p := geo.Point{Lon: r.float("lon"), Lat: r.float("lat")}
	crs, err := geo.ParseCRS(r.str("crs"))
	if err != nil {
		r.errs.add(r.line, "crs", "%v", err)
	}
	p.CRS = crs
	return p
}

// list splits "a;b|c" into words.
func (r *csvRow) list(col string) []string {
	s := r.str(col)
	if s == "" {
		return nil
	}
	parts := strings.FieldsFunc(s, func(c rune) bool { return c == ';' || c == '|' || c == '；' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// itemQtys parses "code:qty;code:qty".
func (r *csvRow) itemQtys(col string) []ItemQty {
	var out []ItemQty
	for _, p := range r.list(col) {
		code, qty, ok := strings.Cut(p, ":")
		n, err := strconv.ParseInt(strings.TrimSpace(qty), 10, 64)
		if !ok || err != nil {
			r.errs.add(r.line, col, "%q must be item:qty, e.g. 2010101:5", p)
			continue
		}
		out = append(out, ItemQty{Item: strings.TrimSpace(code), Qty: n})
	}
	return out
}

func (b *Batch) addCSVRow(r *csvRow) {
	switch b.Kind {
	case ImportItems:
		b.Items = append(b.Items, Item{Code: r.str("code"), Name: r.str("name"), Kind: ItemKind(r.str("kind")),
			Unit: r.str("unit"), Category: r.str("category")})
	case ImportTeams:
		b.Teams = append(b.Teams, Team{ID: r.str("id"), Name: r.str("name"), Kind: TeamKind(r.str("kind")),
			Capabilities: r.list("capabilities"), Headcount: int(r.int64("headcount")),
			Leader: Contact{Name: r.str("leader_name"), Phone: r.str("leader_phone")}, DutyPhone: r.str("duty_phone"),
			Base: r.point(), Address: r.str("address"), Region: r.str("region"), Equipment: r.itemQtys("equipment"),
			Status: TeamStatus(r.str("status"))})
	case ImportDepots:
		b.Depots = append(b.Depots, Depot{ID: r.str("id"), Name: r.str("name"), Tier: Tier(r.str("tier")),
			Reserve: Reserve(r.str("reserve")), Location: r.point(), Address: r.str("address"),
			Manager: Contact{Name: r.str("manager_name"), Phone: r.str("manager_phone")}, Region: r.str("region")})
	case ImportStock:
		b.Stock = append(b.Stock, StockLevel{Depot: r.str("depot"), Item: r.str("item"), OnHand: r.int64("on_hand")})
	}
	b.Lines = append(b.Lines, r.line)
}

// feature is one GeoJSON feature as imports read it.
type feature struct {
	Type       string          `json:"type"`
	ID         any             `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

func parseGeoJSON(b *Batch, data []byte, errs *rowErrors) {
	dec := json.NewDecoder(bytes.NewReader(data))
	lines := newLineIndex(data)
	fail := func(format string, args ...any) {
		errs.add(lines.at(dec.InputOffset()), "", format, args...)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		fail("the file must be a GeoJSON FeatureCollection object")
		return
	}
	sawType := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			fail("invalid JSON: %v", err)
			return
		}
		key, _ := t.(string)
		switch key {
		case "type":
			var typ string
			if err := dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				fail("type must be \"FeatureCollection\"")
				return
			}
			sawType = true
		case "features":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				fail("features must be an array")
				return
			}
			for dec.More() {
				line := lines.valueAt(dec.InputOffset())
				var f feature
				if err := dec.Decode(&f); err != nil {
					errs.add(line, "", "invalid feature: %s", jsonErrMessage(err))
					return
				}
				b.addFeature(&f, line, &b.errs)
			}
			if _, err := dec.Token(); err != nil {
				fail("invalid JSON: %v", err)
				return
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				fail("invalid JSON: %v", err)
				return
			}
		}
	}
	if !sawType {
		errs.add(1, "type", "must be \"FeatureCollection\"")
	}
}

// addFeature decodes one feature; line is where it starts.
func (b *Batch) addFeature(f *feature, line int, errs *rowErrors) {
	if f.Type != "Feature" {
		errs.add(line, "type", "must be \"Feature\"")
		return
	}
	var pt geo.Point
	hasPoint := len(f.Geometry) > 0 && string(f.Geometry) != "null"
	if hasPoint {
		if err := json.Unmarshal(f.Geometry, &pt); err != nil {
			errs.add(line, "geometry", "%v", err)
			return
		}
	}
	props := f.Properties
	if len(props) == 0 || string(props) == "null" {
		props = []byte("{}")
	}
	strict := func(v any) bool {
		d := json.NewDecoder(bytes.NewReader(props))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			errs.add(line, "properties", "%s", jsonErrMessage(err))
			return false
		}
		return true
	}
	id := ""
	if f.ID != nil {
		id = fmt.Sprint(f.ID)
	}
	needPoint := func() bool {
		if !hasPoint {
			errs.add(line, "geometry", "must be a Point")
		}
		return hasPoint
	}
	switch b.Kind {
	case ImportItems:
		var it Item
		if !strict(&it) {
			return
		}
		b.Items = append(b.Items, it)
	case ImportTeams:
		var t Team
		if !strict(&t) || !needPoint() {
			return
		}
		if t.ID == "" {
			t.ID = id
		}
		t.Base = pt
		b.Teams = append(b.Teams, t)
	case ImportDepots:
		var d Depot
		if !strict(&d) || !needPoint() {
			return
		}
		if d.ID == "" {
			d.ID = id
		}
		d.Location = pt
		b.Depots = append(b.Depots, d)
	case ImportStock:
		// A feature is one depot, its stock as {"item code": on_hand}.
		var p struct {
			Depot string           `json:"depot"`
			Stock map[string]int64 `json:"stock"`
		}
		if !strict(&p) {
			return
		}
		if p.Depot == "" {
			p.Depot = id
		}
		if len(p.Stock) == 0 {
			errs.add(line, "properties.stock", "must map item codes to on-hand quantities")
			return
		}
		for _, code := range sortedKeys(p.Stock) {
			b.Stock = append(b.Stock, StockLevel{Depot: p.Depot, Item: code, OnHand: p.Stock[code]})
			b.Lines = append(b.Lines, line)
		}
		return
	}
	b.Lines = append(b.Lines, line)
}

// jsonErrMessage turns a decoding error into a message that names the field.
func jsonErrMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: must be %s, not %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonTypeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice":
		return "an array"
	case kind == "map", kind == "struct":
		return "an object"
	}
	return "a " + kind
}

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex struct {
	data   []byte
	starts []int
}

func newLineIndex(data []byte) *lineIndex {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{data: data, starts: starts}
}

func (l *lineIndex) at(off int64) int {
	lo, hi := 0, len(l.starts)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if int64(l.starts[mid]) <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

// valueAt returns the line of the next value at or after off: the decoder's
// offset is just past the previous token, before any comma and whitespace.
func (l *lineIndex) valueAt(off int64) int {
	for off < int64(len(l.data)) && strings.IndexByte(" \t\r\n,", l.data[off]) >= 0 {
		off++
	}
	return l.at(off)
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
