package resources

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"dispatchd"
	"dispatchd/geo"
)

// csvColumns are the columns each kind accepts; the required ones first.
var csvColumns = map[ImportKind]struct{ required, optional []string }{
	ImportItems:  {[]string{"code", "name", "kind", "unit"}, []string{"category"}},
	ImportTeams:  {[]string{"name", "kind", "lon", "lat"}, []string{"id", "capabilities", "headcount", "leader_name", "leader_phone", "duty_phone", "crs", "address", "region", "equipment", "status"}},
	ImportDepots: {[]string{"name", "tier", "lon", "lat"}, []string{"id", "reserve", "crs", "address", "manager_name", "manager_phone", "region"}},
	ImportStock:  {[]string{"depot", "item", "on_hand"}, nil},
}

// csvParser reads a CSV file a row at a time.
type csvParser struct {
	kind  ImportKind
	r     *csv.Reader
	index map[string]int
}

// newCSVParser reads the header row.
func newCSVParser(kind ImportKind, in io.Reader) (*csvParser, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	var errs dispatchd.FileErrors
	header, err := r.Read()
	if err != nil {
		if ae := appError(err); ae != nil {
			return nil, ae
		}
		errs.Add(1, "", "cannot read the header row: %v", CSVError(err))
		return nil, errs.Err()
	}
	cols := csvColumns[kind]
	index := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := index[h]; dup {
			errs.Add(1, h, "column is given twice")
		}
		index[h] = i
		if !containsStr(cols.required, h) && !containsStr(cols.optional, h) {
			errs.Add(1, h, "unknown column")
		}
	}
	for _, c := range cols.required {
		if _, ok := index[c]; !ok {
			errs.Add(1, c, "required column is missing")
		}
	}
	if errs.Total() > 0 {
		errs.Add(1, "", "a %s file has the columns %s (required) and %s", kind,
			strings.Join(cols.required, ", "), strings.Join(cols.optional, ", "))
		return nil, errs.Err()
	}
	return &csvParser{kind: kind, r: r, index: index}, nil
}

func (p *csvParser) fill(b *Batch, max int) (bool, error) {
	for b.Len() < max {
		rec, err := p.r.Read()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				if ae := appError(err); ae != nil {
					return true, ae
				}
				return true, fmt.Errorf("read the file: %w", err)
			}
			if errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote) {
				var fatal dispatchd.FileErrors
				fatal.Add(pe.StartLine, "", "%v; the rest of the file cannot be read", CSVError(err))
				return true, fatal.Err() // the reader cannot resynchronize after a bad quote
			}
			b.errs.Add(pe.StartLine, "", "%v", CSVError(err))
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		line, _ := p.r.FieldPos(0)
		before := b.errs.Total()
		row := csvRow{rec: rec, index: p.index, line: line, errs: &b.errs}
		b.addCSVRow(&row)
		if b.errs.Total() > before {
			b.bad[len(b.Lines)-1] = true
		}
	}
	return false, nil
}

// appError returns the application error in err's chain, if any: one a
// reader beneath the parser gave.
func appError(err error) *dispatchd.Error {
	var ae *dispatchd.Error
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// CSVError returns the cause of a CSV reader's error without its position:
// imports report the line themselves.
func CSVError(err error) error {
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
	errs  *dispatchd.FileErrors
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
		r.errs.Add(r.line, col, "%q is not a whole number", s)
	}
	return n
}

func (r *csvRow) float(col string) float64 {
	s := r.str(col)
	if s == "" {
		r.errs.Add(r.line, col, "is required")
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.errs.Add(r.line, col, "%q is not a number", s)
	}
	return f
}

func (r *csvRow) point() geo.Point {
	p := geo.Point{Lon: r.float("lon"), Lat: r.float("lat")}
	crs, err := geo.ParseCRS(r.str("crs"))
	if err != nil {
		r.errs.Add(r.line, "crs", "%v", err)
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
			r.errs.Add(r.line, col, "%q must be item:qty, e.g. 2010101:5", p)
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

// CSVCell keeps a cell of a CSV that dispatchd writes from being read as a
// formula by a spreadsheet (OWASP CSV injection): one that starts with = +
// - @ tab or carriage return gets a leading quote, unless it is a plain
// number.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !plainNumber.MatchString(s) {
		return "'" + s
	}
	return s
}

var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// OpenCSV reads the header row of a whole CSV file given as bytes (in
// UTF-8, with or without a byte-order mark, or GB18030: UTF8Text) and
// returns a reader of the rows after it, lenient about their length and
// leading spaces as spreadsheets write them. A file without rows is
// invalid; a header that cannot be read is reported on line 1.
func OpenCSV(data []byte) (*csv.Reader, []string, error) {
	data, err := UTF8Text(data)
	if err != nil {
		return nil, nil, err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, dispatchd.Errorf(dispatchd.EINVALID, "the file has no rows to import")
	}
	if err != nil {
		var errs dispatchd.FileErrors
		errs.Add(1, "", "cannot read the header row: %v", CSVError(err))
		return nil, nil, errs.Err()
	}
	return r, header, nil
}

// EachCSVRow calls row with each row of r after the header and its line,
// until the end of the file, a false from row, or a row the reader cannot
// read, which is added to errs on its line (the reader cannot go on
// reliably after one). The record is r's own when r reuses records.
func EachCSVRow(r *csv.Reader, errs *dispatchd.FileErrors, row func(line int, rec []string) bool) {
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			errs.Add(line, "", "%v", CSVError(err))
			return
		}
		line, _ := r.FieldPos(0)
		if !row(line, rec) {
			return
		}
	}
}
