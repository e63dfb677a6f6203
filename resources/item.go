// Package resources is the registry: the item catalog (materials and
// equipment), rescue teams, material depots and their stock.
package resources

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"dispatchd"
)

// ItemKind says whether an item is consumed (material) or used and returned
// (equipment): the two of the three catalogs that are not teams.
type ItemKind string

// The item kinds.
const (
	Material  ItemKind = "material"
	Equipment ItemKind = "equipment"
)

// Item is a type of material or equipment, coded in the 7-digit, 4-level
// scheme of GB/T 38565-2020: the first digit is the class (1 basic living
// supplies, 2 emergency equipment, 3 engineering materials and machinery).
type Item struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Kind      ItemKind  `json:"kind"`
	Unit      string    `json:"unit"`
	Category  string    `json:"category"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ItemPatch is a partial update of an item; nil fields are left alone.
type ItemPatch struct {
	Name     *string   `json:"name"`
	Kind     *ItemKind `json:"kind"`
	Unit     *string   `json:"unit"`
	Category *string   `json:"category"`
}

// ItemFilter selects items. After is the code to continue after.
type ItemFilter struct {
	Kind     ItemKind
	Category string
	Q        string
	After    string
	Limit    int
}

var itemCodeRE = regexp.MustCompile(`^[1-9][0-9]{6}$`)

// ValidItemCode reports whether code has the GB/T 38565 shape.
func ValidItemCode(code string) bool { return itemCodeRE.MatchString(code) }

// Validate checks the item's fields.
func (it *Item) Validate() error {
	var f dispatchd.Fields
	it.Code = strings.TrimSpace(it.Code)
	if !ValidItemCode(it.Code) {
		f.Add("code", "must be 7 digits (GB/T 38565-2020), the first 1 to 9")
	}
	CheckText(&f, "name", &it.Name, true, 100)
	if it.Kind != Material && it.Kind != Equipment {
		f.Add("kind", "must be material or equipment")
	}
	CheckText(&f, "unit", &it.Unit, true, 20)
	CheckText(&f, "category", &it.Category, false, 100)
	return f.Err()
}

func (p ItemPatch) apply(it *Item) {
	setIf(&it.Name, p.Name)
	setIf(&it.Kind, p.Kind)
	setIf(&it.Unit, p.Unit)
	setIf(&it.Category, p.Category)
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// CheckText trims s and checks it is present (when required) and no longer
// than max characters.
func CheckText(f *dispatchd.Fields, field string, s *string, required bool, max int) {
	*s = strings.TrimSpace(*s)
	switch {
	case required && *s == "":
		f.Add(field, "is required")
	case utf8.RuneCountInString(*s) > max:
		f.Add(field, "must be at most %d characters", max)
	case !utf8.ValidString(*s):
		f.Add(field, "must be valid UTF-8")
	}
}
