package warning

import (
	"testing"

	"dispatchd"
)

// FuzzParsePersons feeds arbitrary files to the persons reader: nothing
// may panic, a refusal is an input error, every row accepted comes after
// the header in line order, and a row that validates has a well-formed
// region, a duty and a phone.
func FuzzParsePersons(f *testing.F) {
	for _, s := range []string{
		"name,phone,region,duty,hazard_point,superior_phone\n李镇长,13900000002,330127101,township_duty,,13900000001\n",
		"\ufeff姓名,电话,区划代码,职责,隐患点,上级电话,备注\n张三,139 0000 0003,330127101,hazard_point,下姜村滑坡点,,夜间\n",
		"name,phone,region,duty\n\"a\"b,1,2,3\n", "name,phone,region,duty\n,,,\n\n", "name,name,phone,region,duty\n",
		"\xd0\xd5\xc3\xfb,\xb5\xe7\xbb\xb0\n", "phone\n1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParsePersons(data)
		if err != nil {
			if c := dispatchd.ErrorCode(err); c != dispatchd.EINVALID {
				t.Fatalf("%q: got %v, want an input error", data, err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatalf("%q: accepted no rows without an error", data)
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("%q: row at line %d after line %d", data, r.Line, last)
			}
			last = r.Line
			p := r.Person
			if p.Validate() != nil {
				continue
			}
			if !dispatchd.ValidRegion(p.Region) || p.Phone == "" || p.Name == "" || (p.Duty == DutyHazardPoint && p.HazardPoint == "") {
				t.Fatalf("%q: validated %+v", data, p)
			}
		}
	})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		p      Person
		fields []string
	}{
		{"a township's person", Person{Name: " 李 ", Phone: "139 0000 0002", Region: "330127101", Duty: DutyTownship}, nil},
		{"empty", Person{}, []string{"name", "phone", "region", "duty"}},
		{"a bad region", Person{Name: "x", Phone: "1390000", Region: "3301", Duty: DutyCity}, []string{"region"}},
		{"a bad phone", Person{Name: "x", Phone: "call me", Region: "330100", Duty: DutyCity}, []string{"phone"}},
		{"a hazard point unnamed", Person{Name: "x", Phone: "1390000", Region: "330127", Duty: DutyHazardPoint}, []string{"hazard_point"}},
		{"its own superior", Person{ID: "a", Name: "x", Phone: "1390000", Region: "330127", Duty: DutyVillage, Superior: "a"}, []string{"superior"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range dispatchd.ErrorFields(tt.p.Validate()) {
				got = append(got, f.Field)
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("got fields %v, want %v", got, tt.fields)
			}
			for i := range got {
				if got[i] != tt.fields[i] {
					t.Fatalf("got fields %v, want %v", got, tt.fields)
				}
			}
		})
	}
}
