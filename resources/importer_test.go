package resources

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"dispatchd"
)

func TestParseImportCSV(t *testing.T) {
	tests := []struct {
		name     string
		kind     ImportKind
		data     string
		rows     int
		fatal    bool
		rowErrs  int
		errField string
	}{
		{"teams", ImportTeams, "name,kind,lon,lat,capabilities,equipment\n一队,fire_rescue,120.1,30.2,fire_fighting;hazmat,2010101:2|2010102:1\n", 1, false, 0, ""},
		{"blank lines skipped", ImportItems, "code,name,kind,unit\n\n1010101,帐篷,material,顶\n\n", 1, false, 0, ""},
		{"BOM and case", ImportItems, "\ufeffCode,Name,Kind,Unit\n1010101,帐篷,material,顶\n", 1, false, 0, ""},
		{"missing column", ImportTeams, "name,kind,lon\n一队,fire_rescue,120\n", 0, true, 0, "lat"},
		{"unknown column", ImportStock, "depot,item,on_hand,colour\nd1,1010101,5,red\n", 0, true, 0, "colour"},
		{"duplicate column", ImportStock, "depot,item,item,on_hand\n", 0, true, 0, "item"},
		{"empty file", ImportStock, "", 0, true, 0, ""},
		{"header only", ImportStock, "depot,item,on_hand\n", 0, true, 0, ""},
		{"bad number", ImportStock, "depot,item,on_hand\nd1,1010101,five\n", 1, false, 1, "on_hand"},
		{"bad equipment", ImportTeams, "name,kind,lon,lat,equipment\n一队,fire_rescue,120.1,30.2,boat\n", 1, false, 1, "equipment"},
		{"bad quote", ImportStock, "depot,item,on_hand\nd1,\"1010101,5\n", 0, true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseImport(tt.kind, CSV, []byte(tt.data))
			if tt.fatal {
				if err == nil {
					t.Fatalf("got no error, want one")
				}
				if tt.errField != "" && !hasField(err, tt.errField) {
					t.Fatalf("got %v, want an error on %s", dispatchd.ErrorFields(err), tt.errField)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if b.Len() != tt.rows || b.errs.total != tt.rowErrs {
				t.Fatalf("got %d rows and %d row errors, want %d and %d", b.Len(), b.errs.total, tt.rows, tt.rowErrs)
			}
			if tt.errField != "" && b.errs.list[0].Field != tt.errField {
				t.Fatalf("got error on %q, want %q", b.errs.list[0].Field, tt.errField)
			}
		})
	}
}

func hasField(err error, field string) bool {
	for _, f := range dispatchd.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestParseImportGB18030(t *testing.T) {
	data, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("code,name,kind,unit\n1010101,帐篷,material,顶\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseImport(ImportItems, CSV, data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Items[0].Name != "帐篷" || b.Items[0].Unit != "顶" {
		t.Fatalf("got %+v, want the Chinese text decoded", b.Items[0])
	}
}

func TestParseImportGeoJSONLines(t *testing.T) {
	data := `{
  "type": "FeatureCollection",
  "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.1, 30.2]}, "properties": {"name": "一号库", "tier": "county"}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.1, 30.2]},
     "properties": {"name": "二号库", "tier": 3}},
    {"type": "Feature", "geometry": null, "properties": {"name": "三号库", "tier": "county"}}
  ]
}`
	b, err := ParseImport(ImportDepots, GeoJSON, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 1 || b.Lines[0] != 4 {
		t.Fatalf("got %d rows at lines %v, want 1 at line 4", b.Len(), b.Lines)
	}
	var got []string
	for _, e := range b.errs.list {
		got = append(got, fmt.Sprintf("%d:%s", e.Line, e.Field))
	}
	if strings.Join(got, " ") != "5:properties 7:geometry" {
		t.Fatalf("got errors %v, want line 5 properties and line 7 geometry", got)
	}
	for _, bad := range []string{`[]`, `{"type":"Feature"}`, `{"type":"FeatureCollection","features":{}}`, `{"type":"FeatureCollection","features":[1`} {
		if _, err := ParseImport(ImportDepots, GeoJSON, []byte(bad)); err == nil {
			t.Errorf("%s: got no error", bad)
		}
	}
}

// FuzzParseImportCSV feeds arbitrary files to the CSV importer: it must never
// panic, and every row it keeps must carry the line it came from.
func FuzzParseImportCSV(f *testing.F) {
	f.Add([]byte("depot,item,on_hand\nd1,1010101,5\n"), uint8(3))
	f.Add([]byte("name,kind,lon,lat,equipment,capabilities\n一队,fire_rescue,120.1,30.2,2010101:2,a;b\n"), uint8(1))
	f.Add([]byte("name,tier,lon,lat,crs\n库,county,120,30,gcj02\n\"unterminated\n"), uint8(2))
	f.Add([]byte("code,name,kind,unit\n\xff\xfe,\"a\"\"b\",material,x\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := ImportKinds[int(k)%len(ImportKinds)]
		b, err := ParseImport(kind, CSV, data)
		if err != nil {
			if dispatchd.ErrorCode(err) != dispatchd.EINVALID {
				t.Fatalf("got error code %q, want invalid: %v", dispatchd.ErrorCode(err), err)
			}
			return
		}
		rows := len(b.Items) + len(b.Teams) + len(b.Depots) + len(b.Stock)
		if rows != b.Len() {
			t.Fatalf("got %d rows and %d lines", rows, b.Len())
		}
		for _, l := range b.Lines {
			if l < 2 {
				t.Fatalf("got a row on line %d, want 2 or more", l)
			}
		}
	})
}

func FuzzParseImportGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[120,30]},"properties":{"name":"x","tier":"county"}}]}`), uint8(2))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"depot":"d1","stock":{"1010101":5}}}]}`), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := ImportKinds[int(k)%len(ImportKinds)]
		b, err := ParseImport(kind, GeoJSON, data)
		if err != nil {
			return
		}
		if len(b.Items)+len(b.Teams)+len(b.Depots)+len(b.Stock) != b.Len() {
			t.Fatal("rows and lines disagree")
		}
	})
}

// BenchmarkParseImportStock100k is the baseline for the import benchmarks of
// the stores: reading the same 100,000-line CSV without writing it.
func BenchmarkParseImportStock100k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("depot,item,on_hand\n")
	for d := range 1000 {
		for i := range 100 {
			fmt.Fprintf(&sb, "d%04d,%d,%d\n", d, 1010100+i, 10+(d*100+i)%500)
		}
	}
	data := []byte(sb.String())
	for b.Loop() {
		if _, err := ParseImport(ImportStock, CSV, data); err != nil {
			b.Fatal(err)
		}
	}
}
