package dispatch

import (
	"context"
	"slices"
	"strings"

	"dispatchd"
	"dispatchd/dispatch/plan"
	"dispatchd/resources"
	"dispatchd/zones"
)

// Template is what a forecast zone of a hazard at a level is expected to
// need on the ground before the hazard arrives: teams by capability and
// items by code. A pre-positioning plan covers it (preposition.go).
type Template struct {
	Hazard string     `json:"hazard"`
	Level  string     `json:"level"`
	Needs  plan.Needs `json:"needs"`
}

// PrepositionTemplates is the answer of the template API: the built-in
// defaults and the overrides stored, which win over a default of the same
// hazard and level.
type PrepositionTemplates struct {
	Defaults  []Template `json:"defaults"`
	Templates []Template `json:"templates"`
}

// TemplatesEvent is the payload of preposition.templates_updated.
type TemplatesEvent struct {
	Templates []Template `json:"templates"`
}

func teamNeeds(kv ...any) []plan.TeamNeed {
	var out []plan.TeamNeed
	for i := 0; i < len(kv); i += 2 {
		out = append(out, plan.TeamNeed{Capability: kv[i].(string), Count: kv[i+1].(int)})
	}
	return out
}

func itemNeeds(kv ...any) []resources.ItemQty {
	var out []resources.ItemQty
	for i := 0; i < len(kv); i += 2 {
		out = append(out, resources.ItemQty{Item: kv[i].(string), Qty: int64(kv[i+1].(int))})
	}
	return out
}

// Item codes of the catalog (GB/T 38565-2020 shape, demo/items.go) the
// default templates name.
const (
	itemWovenBags   = "3010101" // 编织袋
	itemLifeJackets = "2010101" // 救生衣
	itemPumps       = "2080101" // 潜水排污泵
	itemAssaultBoat = "2020301" // 冲锋舟
	itemWater       = "1020101" // 瓶装饮用水
	itemTents       = "1010101" // 救灾单帐篷（12平方米）
	itemQuilts      = "1010301" // 棉被
	itemGeotextile  = "3010201" // 土工布
)

// DefaultTemplates are the built-in templates of the main hazards.
var DefaultTemplates = []Template{
	{Hazard: "flood", Level: zones.Red, Needs: plan.Needs{
		Teams: teamNeeds("water_rescue", 4, "flood_control", 2, "medical", 1),
		Items: itemNeeds(itemWovenBags, 5000, itemLifeJackets, 300, itemPumps, 10, itemAssaultBoat, 4, itemGeotextile, 2000, itemWater, 200)}},
	{Hazard: "flood", Level: zones.Orange, Needs: plan.Needs{
		Teams: teamNeeds("water_rescue", 2, "flood_control", 1),
		Items: itemNeeds(itemWovenBags, 2000, itemLifeJackets, 100, itemPumps, 4)}},
	{Hazard: "typhoon", Level: zones.Red, Needs: plan.Needs{
		Teams: teamNeeds("water_rescue", 2, "power_restoration", 1, "logistics", 1),
		Items: itemNeeds(itemTents, 100, itemQuilts, 300, itemWater, 300, itemWovenBags, 2000)}},
	{Hazard: "geological_hazard", Level: zones.Red, Needs: plan.Needs{
		Teams: teamNeeds("geological_hazard", 2, "collapse_search", 1),
		Items: itemNeeds(itemTents, 50, itemWater, 100)}},
	{Hazard: "forest_fire", Level: zones.Red, Needs: plan.Needs{
		Teams: teamNeeds("forest_fire", 3, "medical", 1),
		Items: itemNeeds(itemWater, 200)}},
}

// maxTemplates bounds the overrides.
const maxTemplates = 200

func validateTemplates(ts []Template) error {
	var f dispatchd.Fields
	if len(ts) > maxTemplates {
		f.Add("templates", "must list at most %d templates", maxTemplates)
	}
	seen := map[[2]string]int{}
	for i := range ts {
		t := &ts[i]
		p := resources.Indexed("templates", i)
		if !typeRE.MatchString(t.Hazard) {
			f.Add(p+".hazard", "must be a lowercase word such as flood")
		}
		if !slices.Contains(zones.Levels, t.Level) {
			f.Add(p+".level", "must be one of %s", strings.Join(zones.Levels, ", "))
		}
		if j, ok := seen[[2]string{t.Hazard, t.Level}]; ok {
			f.Add(p, "repeats templates[%d]", j)
		}
		seen[[2]string{t.Hazard, t.Level}] = i
		var sub dispatchd.Fields
		validateNeeds(&sub, &t.Needs)
		for _, e := range sub {
			f.Add(p+"."+e.Field, "%s", e.Message)
		}
	}
	return f.Err()
}

// PrepositionTemplates returns the built-in and stored templates.
func (s *Service) PrepositionTemplates(ctx context.Context) (*PrepositionTemplates, error) {
	ts, err := s.store.PrepositionTemplates(ctx)
	if err != nil {
		return nil, err
	}
	return &PrepositionTemplates{Defaults: DefaultTemplates, Templates: ts}, nil
}

// SetPrepositionTemplates replaces the stored templates; only an
// administrator of the whole deployment sets them.
func (s *Service) SetPrepositionTemplates(ctx context.Context, actor dispatchd.Actor, ts []Template) (*PrepositionTemplates, error) {
	if !actor.Is(dispatchd.RoleAdmin) || !actor.Scope().Everything() {
		return nil, dispatchd.Errorf(dispatchd.EFORBIDDEN, "only an administrator of the whole deployment sets the pre-positioning templates")
	}
	if ts == nil {
		ts = []Template{}
	}
	if err := validateTemplates(ts); err != nil {
		return nil, err
	}
	for i := range ts {
		var f dispatchd.Fields
		s.checkItems(&f, resources.Indexed("templates", i)+".needs.items", ts[i].Needs.Items)
		if err := f.Err(); err != nil {
			return nil, err
		}
	}
	SortTemplates(ts)
	ev := s.event("preposition.templates_updated", actor, "preposition_templates", TemplatesEvent{Templates: ts}, s.now())
	if err := s.store.SetPrepositionTemplates(ctx, ts, ev); err != nil {
		return nil, err
	}
	s.noteWritten(ev)
	return &PrepositionTemplates{Defaults: DefaultTemplates, Templates: ts}, nil
}

// SortTemplates sorts templates by hazard and level.
func SortTemplates(ts []Template) {
	slices.SortFunc(ts, func(a, b Template) int {
		if c := strings.Compare(a.Hazard, b.Hazard); c != 0 {
			return c
		}
		return strings.Compare(a.Level, b.Level)
	})
}

// template returns the needs for a zone of the hazard at the level: the
// stored override, else the default; ENOTFOUND when neither exists.
func (s *Service) template(ctx context.Context, hazard, level string) (plan.Needs, error) {
	ts, err := s.store.PrepositionTemplates(ctx)
	if err != nil {
		return plan.Needs{}, err
	}
	for _, list := range [][]Template{ts, DefaultTemplates} {
		for _, t := range list {
			if t.Hazard == hazard && t.Level == level {
				return t.Needs, nil
			}
		}
	}
	return plan.Needs{}, dispatchd.Errorf(dispatchd.EINVALID, "no pre-positioning template for %s at level %s: set one with PUT /api/v1/preposition-templates", hazard, level)
}
