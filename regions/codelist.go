package regions

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"dispatchd"
	"dispatchd/resources"
)

// MaxCodeRows bounds the rows of a code list: every county of China with
// its townships is about 45,000; villages are not part of the tree.
const MaxCodeRows = 100_000

// codeColumns maps each column a code list may have to the header names
// it is published under: the Ministry of Civil Affairs' list has 行政区划代码
// and 单位名称.
var codeColumns = map[string][]string{
	"code":   {"code", "行政区划代码", "区划代码", "代码"},
	"name":   {"name", "单位名称", "名称"},
	"level":  {"level", "级别"},
	"parent": {"parent", "上级代码"},
}

// CodeRow is one row of a code list, its level and parent as given (""
// when not).
type CodeRow struct {
	Line   int
	Code   string
	Name   string
	Level  string
	Parent string
}

// ParseCodes reads a code list: CSV with a header row naming the columns
// code and name (or 行政区划代码 and 单位名称) and optionally level and
// parent, in UTF-8 with or without a byte-order mark, or GB18030 as
// spreadsheets in China save it. A 12-digit statistical code (NBS) of a
// county or township is cut to its GB/T 2260 six or nine digits. It checks
// the form of each row; every bad row is reported with its line, and then
// nothing is returned.
func ParseCodes(data []byte) ([]CodeRow, error) {
	r, header, err := resources.OpenCSV(data)
	if err != nil {
		return nil, err
	}
	var errs dispatchd.FileErrors
	index := map[string]int{}
	for i, h := range header {
		h = clean(h)
		if h == "" {
			continue // the empty columns a spreadsheet leaves
		}
		col := ""
		for c, names := range codeColumns {
			for _, n := range names {
				if strings.EqualFold(h, n) {
					col = c
				}
			}
		}
		switch {
		case col == "":
			errs.Add(1, h, "unknown column: a code list has the columns code, name (or 行政区划代码, 单位名称), level and parent")
		case index[col] != 0:
			errs.Add(1, h, "column is given twice")
		default:
			index[col] = i + 1 // 0 is "absent"
		}
	}
	for _, c := range []string{"code", "name"} {
		if index[c] == 0 {
			errs.Add(1, c, "required column is missing")
		}
	}
	if errs.Total() > 0 {
		return nil, errs.Err()
	}
	var rows []CodeRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, csv.ErrQuote) && !errors.Is(err, csv.ErrBareQuote) {
				errs.Add(pe.StartLine, "", "%v", resources.CSVError(err))
				continue
			}
			line := 0
			if pe != nil {
				line = pe.StartLine
			}
			errs.Add(line, "", "%v; the rest of the file cannot be read", resources.CSVError(err))
			return nil, errs.Err()
		}
		line, _ := r.FieldPos(0)
		get := func(col string) string {
			i := index[col] - 1
			if i < 0 || i >= len(rec) {
				return ""
			}
			return clean(rec[i])
		}
		row := CodeRow{Line: line, Code: statCode(get("code")), Name: get("name"), Level: get("level"), Parent: statCode(get("parent"))}
		if row.Code == "" && row.Name == "" && row.Level == "" && row.Parent == "" {
			continue // a blank line
		}
		if len(rows) >= MaxCodeRows {
			return nil, dispatchd.Errorf(dispatchd.ETOOLARGE, "the file has more than %d rows: villages are not part of the region tree", MaxCodeRows)
		}
		checkRow(&errs, &row)
		if first, dup := seen[row.Code]; dup && row.Code != "" {
			errs.Add(line, "code", "the same code is already on line %d", first)
		} else {
			seen[row.Code] = line
		}
		rows = append(rows, row)
	}
	if errs.Total() > 0 {
		return nil, errs.Err()
	}
	if len(rows) == 0 {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "the file has no rows to import")
	}
	return rows, nil
}

// checkRow checks the form of a row: a code, a name, and a level and a
// parent that agree with the code where given.
func checkRow(errs *dispatchd.FileErrors, row *CodeRow) {
	if !dispatchd.ValidRegion(row.Code) {
		if len(row.Code) == 12 && dispatchd.ValidRegion(row.Code[:9]) {
			errs.Add(row.Line, "code", "%s is a village: the region tree ends at townships", row.Code)
		} else {
			errs.Add(row.Line, "code", "must be a GB/T 2260 region code: 6 digits, 9 for a township")
		}
		return
	}
	switch n := utf8.RuneCountInString(row.Name); {
	case n == 0:
		errs.Add(row.Line, "name", "is required")
	case n > 100:
		errs.Add(row.Line, "name", "must be at most 100 characters")
	}
	if row.Level != "" && Level(strings.ToLower(row.Level)) != LevelOf(row.Code) {
		errs.Add(row.Line, "level", "must be %s for the code %s", LevelOf(row.Code), row.Code)
	}
	if row.Parent != "" && (!dispatchd.ValidRegion(row.Parent) || row.Parent == row.Code || !dispatchd.InRegion(row.Parent, row.Code) ||
		len(dispatchd.RegionPrefix(row.Parent)) >= len(dispatchd.RegionPrefix(row.Code))) {
		errs.Add(row.Line, "parent", "must be the code of a region above %s", row.Code)
	}
}

// statCode cuts a 12-digit statistical division code of a county
// (330127000000) or township (330127101000) to its GB/T 2260 form; other
// codes are returned as they are.
func statCode(s string) string {
	if len(s) != 12 {
		return s
	}
	switch {
	case strings.HasSuffix(s, "000000"):
		return s[:6]
	case strings.HasSuffix(s, "000"):
		return s[:9]
	}
	return s
}

// clean trims the spaces, ideographic and non-breaking ones too, that
// published lists leave around their cells.
func clean(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }
