package web_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"dispatchd/resources"
)

// readCSV reads a CSV answer after checking what Excel on a Chinese
// Windows needs of it: a UTF-8 byte-order mark and CRLF line ends.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(body, []byte(resources.CSVByteOrderMark))
	if !ok {
		t.Fatalf("got a CSV without a byte-order mark: %q", body[:min(len(body), 40)])
	}
	if !bytes.HasSuffix(rest, []byte("\r\n")) || bytes.Count(rest, []byte("\n")) != bytes.Count(rest, []byte("\r\n")) {
		t.Fatalf("got a CSV whose lines do not all end in CRLF: %q", rest)
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("read the CSV: %v\n%s", err, rest)
	}
	return rows
}
