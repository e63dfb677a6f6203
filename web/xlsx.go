package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"
)

// The media types of the exports.
const (
	mimeCSV  = "text/csv"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimeGPX  = "application/gpx+xml"
)

// sheet is one section of a workbook: a header row and rows of cells. A
// cell is a string, an int, an int64, a float64, a *float64, a time.Time
// or a *time.Time; nil pointers are empty cells.
type sheet struct {
	name   string
	header []string
	rows   [][]any
}

// xlsxDateFormat shows times to the second, in the order Chinese readers
// write them.
const xlsxDateFormat = "yyyy-mm-dd hh:mm:ss"

// writeXLSX writes sheets as an Excel workbook, one worksheet each: the
// header row bold and frozen, numbers as numbers, times as dates in zone,
// each column as wide as its longest cell.
func writeXLSX(w io.Writer, zone *time.Location, sheets []sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateFmt := xlsxDateFormat
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	for i, sh := range sheets {
		if i == 0 {
			err = f.SetSheetName("Sheet1", sh.name)
		} else {
			_, err = f.NewSheet(sh.name)
		}
		if err != nil {
			return err
		}
		if err := fillSheet(f, sh, zone, bold, date); err != nil {
			return fmt.Errorf("sheet %s: %w", sh.name, err)
		}
	}
	return f.Write(w)
}

func fillSheet(f *excelize.File, sh sheet, zone *time.Location, bold, date int) error {
	widths := make([]int, len(sh.header))
	for c, h := range sh.header {
		cell, _ := excelize.CoordinatesToCellName(c+1, 1)
		if err := f.SetCellStr(sh.name, cell, h); err != nil {
			return err
		}
		widths[c] = textWidth(h)
	}
	last, _ := excelize.CoordinatesToCellName(max(len(sh.header), 1), 1)
	if err := f.SetCellStyle(sh.name, "A1", last, bold); err != nil {
		return err
	}
	for r, row := range sh.rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			width, err := setCell(f, sh.name, cell, v, zone, date)
			if err != nil {
				return err
			}
			if c < len(widths) {
				widths[c] = max(widths[c], width)
			}
		}
	}
	for c, wd := range widths {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if err := f.SetColWidth(sh.name, col, col, float64(min(max(wd, 6), 60)+2)); err != nil {
			return err
		}
	}
	return f.SetPanes(sh.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// setCell writes one cell and returns how wide it shows, in characters.
func setCell(f *excelize.File, name, cell string, v any, zone *time.Location, date int) (int, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return textWidth(x), f.SetCellStr(name, cell, x)
	case int:
		return len(fmt.Sprint(x)), f.SetCellInt(name, cell, int64(x))
	case int64:
		return len(fmt.Sprint(x)), f.SetCellInt(name, cell, x)
	case float64:
		return len(fmt.Sprint(x)), f.SetCellFloat(name, cell, x, -1, 64)
	case *float64:
		if x == nil {
			return 0, nil
		}
		return setCell(f, name, cell, *x, zone, date)
	case *time.Time:
		if x == nil {
			return 0, nil
		}
		return setCell(f, name, cell, *x, zone, date)
	case time.Time:
		// Excel's dates know no zone: the time is written as a wall
		// clock in zone.
		local := x.In(zone)
		wall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)
		if err := f.SetCellValue(name, cell, wall); err != nil {
			return 0, err
		}
		return len(xlsxDateFormat), f.SetCellStyle(name, cell, cell, date)
	}
	return 0, fmt.Errorf("cell %s: no way to write a %T", cell, v)
}

// textWidth is how many columns s takes: two for a wide (CJK) character.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if utf8.RuneLen(r) >= 3 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// attachment answers a file download: its media type and its name in
// Content-Disposition (RFC 6266), an ASCII fallback for old clients and
// the full name in UTF-8 (RFC 5987's filename*) for Chinese names.
func attachment(c echo.Context, mime, fallback, name string) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mime)
	h.Set(echo.HeaderContentDisposition, contentDisposition(fallback, name))
	c.Response().WriteHeader(http.StatusOK)
}

// contentDisposition returns an attachment's Content-Disposition: the
// fallback (made ASCII, quotes and backslashes dropped) and, when name
// differs, name percent-encoded as UTF-8.
func contentDisposition(fallback, name string) string {
	var b strings.Builder
	for _, r := range fallback {
		switch {
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '/':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	v := `attachment; filename="` + b.String() + `"`
	if name == "" || name == b.String() {
		return v
	}
	return v + "; filename*=UTF-8''" + rfc5987(name)
}

// rfc5987 percent-encodes every byte of s but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// fileName makes a name given by users fit for a file: no path
// separators, controls or characters Windows refuses, at most 60
// characters.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60])
	}
	return s
}
