package dispatchd

import "testing"

func TestRegionPrefixAndParent(t *testing.T) {
	for _, c := range []struct{ code, prefix, parent string }{
		{"330000", "33", ""},
		{"330100", "3301", "330000"},
		{"330127", "330127", "330100"},
		{"330127100", "330127100", "330127"},
		{"", "", ""},
	} {
		if got := RegionPrefix(c.code); got != c.prefix {
			t.Errorf("RegionPrefix(%q) = %q, want %q", c.code, got, c.prefix)
		}
		if got := RegionParent(c.code); got != c.parent {
			t.Errorf("RegionParent(%q) = %q, want %q", c.code, got, c.parent)
		}
	}
}

func TestInRegion(t *testing.T) {
	for _, c := range []struct {
		j, r string
		want bool
	}{
		{"", "", true}, {"", "330127", true},
		{"330000", "330127", true}, {"330100", "330127", true}, {"330100", "330212", false},
		{"330127", "330127", true}, {"330127", "330127100", true}, {"330127", "330122", false},
		{"330127100", "330127", false}, {"330100", "", false},
	} {
		if got := InRegion(c.j, c.r); got != c.want {
			t.Errorf("InRegion(%q, %q) = %v", c.j, c.r, got)
		}
	}
}

func TestEventVisible(t *testing.T) {
	flood := Scope{Prefix: "3301", Types: []string{"flood"}}
	ev := func(h string, rs ...string) *Event { return new(Event).Scoped(h, rs...) }
	for _, c := range []struct {
		ev   *Event
		s    Scope
		want bool
	}{
		{ev("flood", "330127"), Scope{}, true},
		{ev("flood", "330127"), flood, true},
		{ev("mine_accident", "330127"), flood, false},
		{ev("flood", "330212"), flood, false},
		{ev("flood", "330212", "330127"), flood, true},
		{ev(""), flood, true},            // the catalog: everyone
		{ev("", "330212"), flood, false}, // a team of another city
		{ev("flood"), Scope{Types: []string{}}, false},
	} {
		if got := c.ev.Visible(c.s); got != c.want {
			t.Errorf("%+v visible to %+v = %v", c.ev, c.s, got)
		}
	}
}

func TestParseDesks(t *testing.T) {
	d, err := ParseDesks("flood=flood, typhoon; quake=earthquake")
	if err != nil || len(d["flood"]) != 2 || d["quake"][0] != "earthquake" {
		t.Fatalf("ParseDesks = %v, %v", d, err)
	}
	if _, err := ParseDesks("general=flood"); err == nil {
		t.Error("general accepted as a specialised desk")
	}
	if d.Types("") != nil || d.Types(DeskGeneral) != nil || len(d.Types("nope")) != 0 || d.Types("nope") == nil {
		t.Error("Types: general sees all, an unknown desk nothing")
	}
}
