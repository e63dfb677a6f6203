package resources

import (
	"encoding/csv"
	"io"
)

// CSVByteOrderMark is UTF-8's byte-order mark. Excel reads a CSV file
// without it in the system's code page, GBK on a Chinese Windows, and
// shows its Chinese as mojibake; with it, as UTF-8.
const CSVByteOrderMark = "\ufeff"

// WriteCSV writes rows as a CSV file every spreadsheet opens as it should:
// UTF-8 behind a byte-order mark, lines ended by CRLF (RFC 4180), and
// every cell guarded by CSVCell. Every CSV that dispatchd serves is
// written by it.
func WriteCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, CSVByteOrderMark); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := []string{}
	for _, r := range rows {
		row = row[:0]
		for _, c := range r {
			row = append(row, CSVCell(c))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
