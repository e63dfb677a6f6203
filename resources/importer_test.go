package resources

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/simplifiedchinese"

	"dispatchd"
	"dispatchd/geo"
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
			if b.Len() != tt.rows || b.errs.Total() != tt.rowErrs {
				t.Fatalf("got %d rows and %d row errors, want %d and %d", b.Len(), b.errs.Total(), tt.rows, tt.rowErrs)
			}
			if tt.errField != "" && !hasField(b.errs.Err(), tt.errField) {
				t.Fatalf("got %v, want an error on %s", dispatchd.ErrorFields(b.errs.Err()), tt.errField)
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
	for _, e := range listed(&b.errs) {
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

// FuzzImportChunks reads arbitrary files a few rows at a time, as
// ImportFile does, and whole, as ParseImport does: the same rows on the same
// lines, the same row errors, the same error for the file.
func FuzzImportChunks(f *testing.F) {
	f.Add([]byte("depot,item,on_hand\nd1,1010101,5\nd1,1010102,x\n\nd2,1010101,7\n"), uint8(3), uint8(1), false)
	f.Add([]byte("\xef\xbb\xbfname,kind,lon,lat\n一队,fire_rescue,120.1,30.2\n二队,social,abc,30\n"), uint8(1), uint8(2), false)
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"depot":"d1","stock":{"1010101":5,"1010102":6}}},`+"\n"+
		`{"type":"Feature","properties":{"depot":"d2","stock":{"1010101":"x"}}}]}`), uint8(3), uint8(1), true)
	f.Add([]byte("{\"features\":[],\n\"type\":\"FeatureCollection\"}"), uint8(2), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, k, size uint8, geojson bool) {
		kind, format := ImportKinds[int(k)%len(ImportKinds)], CSV
		if geojson {
			format = GeoJSON
		}
		whole, werr := ParseImport(kind, format, data)
		var lines []int
		var errs dispatchd.FileErrors
		cerr := eachChunk(kind, format, bytes.NewReader(data), 1+int(size)%5, func(b *Batch) error {
			if b.Len() > 1+int(size)%5+100 {
				t.Fatalf("got a chunk of %d rows, want about %d", b.Len(), 1+int(size)%5)
			}
			lines = append(lines, b.Lines...)
			errs.Merge(&b.errs)
			return nil
		})
		if werr == nil && len(lines) == 0 && errs.Total() == 0 {
			t.Fatalf("ParseImport found rows, the chunks none")
		}
		if werr != nil {
			if cerr == nil && (len(lines) > 0 || errs.Total() > 0 || dispatchd.ErrorMessage(werr) != dispatchd.ErrorMessage(errNoRows)) {
				t.Fatalf("got no error in chunks, want %v", werr)
			}
			if cerr != nil && dispatchd.ErrorMessage(cerr) != dispatchd.ErrorMessage(werr) {
				t.Fatalf("got %v in chunks, want %v", cerr, werr)
			}
			return
		}
		if cerr != nil {
			t.Fatalf("got %v in chunks, want no error", cerr)
		}
		if fmt.Sprint(lines) != fmt.Sprint(whole.Lines) || fmt.Sprint(listed(&errs)) != fmt.Sprint(listed(&whole.errs)) {
			t.Fatalf("got lines %v and errors %v in chunks, want %v and %v", lines, listed(&errs), whole.Lines, listed(&whole.errs))
		}
	})
}

// TestValidUTF8 reads text a byte at a time, so that every rune is cut
// between two reads.
func TestValidUTF8(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("帐篷,顶"))
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"ascii", []byte("depot,item,on_hand\n"), true},
		{"chinese", []byte(strings.Repeat("帐篷，冲锋舟\n", 20000)), true},
		{"gb18030", gb, false},
		{"cut at the end", []byte("帐篷")[:4], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(tt.data), iotest.OneByteReader(bytes.NewReader(tt.data))} {
				if got, err := validUTF8(r); err != nil || got != tt.want {
					t.Fatalf("got %v %v, want %v", got, err, tt.want)
				}
			}
		})
	}
}

// TestParseImportGeoJSONGeometry: a depot's geometry is read as a geo.Point
// (through orb's geojson package), with the checks orb does not make: a
// coordinate missing or null is an error, not 0, and a crs is kept.
func TestParseImportGeoJSONGeometry(t *testing.T) {
	for _, tt := range []struct {
		name, geometry string
		want           geo.Point
		err            string
	}{
		{"point", `{"type":"Point","coordinates":[120.1,30.2]}`, geo.Point{Lon: 120.1, Lat: 30.2}, ""},
		{"altitude", `{"type":"Point","coordinates":[120.1,30.2,12]}`, geo.Point{Lon: 120.1, Lat: 30.2}, ""},
		{"crs", `{"type":"Point","coordinates":[120.1,30.2],"crs":"gcj02"}`, geo.Point{Lon: 120.1, Lat: 30.2, CRS: geo.GCJ02}, ""},
		{"one coordinate", `{"type":"Point","coordinates":[120.1]}`, geo.Point{}, "coordinates must be [lon, lat]"},
		{"null coordinate", `{"type":"Point","coordinates":[120.1,null]}`, geo.Point{}, "lat must be a number"},
		{"line", `{"type":"LineString","coordinates":[[1,2],[3,4]]}`, geo.Point{}, `not "LineString"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":` + tt.geometry +
				`,"properties":{"name":"库","tier":"county"}}]}`
			b, err := ParseImport(ImportDepots, GeoJSON, []byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if tt.err != "" {
				if len(listed(&b.errs)) != 1 || listed(&b.errs)[0].Field != "geometry" || !strings.Contains(listed(&b.errs)[0].Message, tt.err) {
					t.Fatalf("got errors %+v, want geometry: %s", listed(&b.errs), tt.err)
				}
				return
			}
			if len(b.Depots) != 1 || b.Depots[0].Location != tt.want {
				t.Fatalf("got %+v (errors %+v), want a depot at %+v", b.Depots, listed(&b.errs), tt.want)
			}
		})
	}
}

// listed returns the errors e lists.
func listed(e *dispatchd.FileErrors) []dispatchd.FieldError { return dispatchd.ErrorFields(e.Err()) }
