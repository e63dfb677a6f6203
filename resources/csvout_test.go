package resources_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"dispatchd/resources"
)

// TestWriteCSV: a byte-order mark, CRLF after every line (also in a file
// whose cells hold line feeds), guarded cells, and the rows read back.
func TestWriteCSV(t *testing.T) {
	rows := [][]string{{"区域", "名称"}, {"330127", "淳安县\n千岛湖"}, {"=1+1", "-3"}}
	var buf bytes.Buffer
	if err := resources.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(buf.String(), resources.CSVByteOrderMark)
	if !ok {
		t.Fatalf("got %q, want a leading byte-order mark", buf.String()[:6])
	}
	// Three rows, one of them holding a line feed that CRLF ends too.
	if !strings.HasSuffix(body, "\r\n") || strings.Count(body, "\r\n") != 4 || strings.Count(body, "\n") != 4 {
		t.Errorf("got %q, want every line ended by CRLF", body)
	}
	got, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"区域", "名称"}, {"330127", "淳安县\n千岛湖"}, {"'=1+1", "-3"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("got %q, want %q", got, want)
	}
}
