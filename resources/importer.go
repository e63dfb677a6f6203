package resources

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"dispatchd"
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

// MaxImportRows bounds the rows of one file: past that, the import is
// refused (too_large). A file is read a chunk of importChunk rows at a time,
// so that what an import holds in memory does not grow with the file, but
// for 12 bytes a row to find the keys given twice.
const (
	MaxImportRows = 1_000_000
	importChunk   = 2000
)

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

	errs dispatchd.FileErrors
	bad  map[int]bool // rows with shape errors: not validated further
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.Lines) }

// reset empties the batch for the next chunk of a file.
func (b *Batch) reset() {
	b.Items, b.Teams, b.Depots, b.Stock, b.Lines = b.Items[:0], b.Teams[:0], b.Depots[:0], b.Stock[:0], b.Lines[:0]
	b.errs = dispatchd.FileErrors{}
	clear(b.bad)
}

// ParseImport decodes a CSV or GeoJSON file of one kind. It fails on a file
// it cannot read as a whole (no header, not JSON); errors in single rows are
// kept in the batch for Service.Import to report with the rest. A file that
// is not valid UTF-8 is read as GB18030, as spreadsheets in China save it.
// Service.ImportFile reads a file of any size in bounded memory instead.
func ParseImport(kind ImportKind, format Format, data []byte) (*Batch, error) {
	data, err := UTF8Text(data)
	if err != nil {
		return nil, err
	}
	p, err := newParser(kind, format, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := &Batch{Kind: kind, bad: map[int]bool{}}
	if _, err := p.fill(b, math.MaxInt); err != nil {
		return nil, err
	}
	if b.Len() == 0 && b.errs.Total() == 0 {
		return nil, errNoRows
	}
	return b, nil
}

const bom = "\xef\xbb\xbf"

// UTF8Text returns a file's bytes as UTF-8 text: without a byte-order
// mark, and decoded from GB18030, as spreadsheets in China save it, when
// they are not valid UTF-8. Every import of a whole file reads it so.
func UTF8Text(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	if utf8.Valid(data) {
		return data, nil
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(dec) {
		return nil, errNotText
	}
	return dec, nil
}

var (
	errNotText = dispatchd.Errorf(dispatchd.EINVALID, "the file is neither UTF-8 nor GB18030 text")
	errNoRows  = dispatchd.Errorf(dispatchd.EINVALID, "the file has no rows to import")
)

// parser reads the rows of a file a chunk at a time.
type parser interface {
	// fill adds up to about max rows to b, and reports whether the file
	// has ended. Its error is for the file as a whole: nothing after it
	// can be read.
	fill(b *Batch, max int) (done bool, err error)
}

func newParser(kind ImportKind, format Format, r io.Reader) (parser, error) {
	switch format {
	case CSV:
		return newCSVParser(kind, r)
	case GeoJSON:
		return newGeoParser(kind, r)
	}
	return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "format", Message: "must be csv or geojson"})
}

// textReader returns the file as UTF-8 text without a byte-order mark: as
// it is if it is valid UTF-8, else decoded from GB18030. It reads the file
// once to tell, a block at a time.
func textReader(f io.ReadSeeker) (io.Reader, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind the file: %w", err)
	}
	valid, err := validUTF8(f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind the file: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	if b, _ := br.Peek(len(bom)); string(b) == bom {
		_, _ = br.Discard(len(bom))
	}
	if valid {
		return br, nil
	}
	return &notTextReader{transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())}, nil
}

// validUTF8 reads r to its end and reports whether it is valid UTF-8.
func validUTF8(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	carry := 0 // bytes of a rune cut by the end of the last block
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		cut := n
		for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
			if utf8.RuneStart(buf[i]) {
				if !utf8.FullRune(buf[i:n]) && err == nil {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(buf[:cut]) {
			return false, nil
		}
		carry = copy(buf, buf[cut:n])
		if err == io.EOF {
			return carry == 0, nil
		}
		if err != nil {
			return false, fmt.Errorf("read the file: %w", err)
		}
	}
}

// notTextReader reports a file GB18030 cannot decode as such.
type notTextReader struct{ r io.Reader }

func (n *notTextReader) Read(p []byte) (int, error) {
	c, err := n.r.Read(p)
	if err != nil && err != io.EOF {
		return c, errNotText
	}
	return c, err
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
