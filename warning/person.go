// Package warning is warnings (预警) and call-and-answer (叫应): the persons
// responsible (责任人) for each province, city, county, township, village
// and hazard point, the warnings issued to them (from JSON or a CAP 1.2
// alert), and each recipient's way from queued through sent and delivered
// to answered, or to escalated when its deadline passes unanswered.
//
// Issuing resolves the recipients (the persons of the warning's regions'
// subtrees, of its duties) and writes the warning, the recipients, one
// outbox message per recipient and channel, and one warning.issued event
// in one transaction; a warning that would reach nobody is refused, so
// that the officer knows. An Update is issued anew to the persons of its
// regions, with a fresh deadline, and the warning it replaces becomes
// updated; a Cancel sends every person the cancelled warning reached a
// short notice that needs no answer (its recipients are listed, are never
// escalated, and it is stored cancelled), and the cancelled warning
// becomes cancelled.
//
// Recipients answer by the one-tap link in their message (page), by an SMS
// reply (sms) or through a commander who took their call (console); a
// second answer changes nothing. When the deadline passes unanswered, the
// escalator sends the message again once and gives the person's superior
// a notice, itself a recipient to answer and escalate in turn, up the
// chain of superiors.
package warning

import (
	"context"
	"slices"
	"strings"
	"time"

	"dispatchd"
	"dispatchd/resources"
)

// Duty is what a responsible person answers for.
type Duty string

// The duties, from the province down to a hazard point.
const (
	DutyProvince    Duty = "province_duty"
	DutyCity        Duty = "city_duty"
	DutyCounty      Duty = "county_duty"
	DutyTownship    Duty = "township_duty"
	DutyVillage     Duty = "village_duty"
	DutyHazardPoint Duty = "hazard_point"
)

// Duties lists every duty.
var Duties = []Duty{DutyProvince, DutyCity, DutyCounty, DutyTownship, DutyVillage, DutyHazardPoint}

// Person is a person responsible (责任人) for a region or a hazard point in
// it. Region is a GB/T 2260 code at any level (a township's nine digits);
// a village's or hazard point's person has the code of its township or
// county. Superior, when set, is the id of the person told when this one
// does not answer.
type Person struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Phone       string    `json:"phone"`
	Region      string    `json:"region"`
	Duty        Duty      `json:"duty"`
	HazardPoint string    `json:"hazard_point"`
	Superior    string    `json:"superior"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PersonPatch holds the fields an update sets; nil leaves a field as it is.
type PersonPatch struct {
	Name        *string `json:"name"`
	Phone       *string `json:"phone"`
	Region      *string `json:"region"`
	Duty        *Duty   `json:"duty"`
	HazardPoint *string `json:"hazard_point"`
	Superior    *string `json:"superior"`
	Note        *string `json:"note"`
}

func setIf[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (p PersonPatch) apply(ps *Person) {
	setIf(&ps.Name, p.Name)
	setIf(&ps.Phone, p.Phone)
	setIf(&ps.Region, p.Region)
	setIf(&ps.Duty, p.Duty)
	setIf(&ps.HazardPoint, p.HazardPoint)
	setIf(&ps.Superior, p.Superior)
	setIf(&ps.Note, p.Note)
}

// Validate checks the person's own fields and trims its text. It does not
// check that the region is known, that it lies within a jurisdiction or
// that the superior exists; the service does.
func (p *Person) Validate() error {
	var f dispatchd.Fields
	resources.CheckText(&f, "name", &p.Name, true, 100)
	n := len(f)
	resources.CheckPhone(&f, "phone", &p.Phone)
	if p.Phone == "" && len(f) == n {
		f.Add("phone", "is required")
	}
	p.Region = strings.TrimSpace(p.Region)
	switch {
	case p.Region == "":
		f.Add("region", "is required")
	case !dispatchd.ValidRegion(p.Region):
		f.Add("region", "must be a GB/T 2260 region code: 6 digits, or 9 for a township")
	}
	if !slices.Contains(Duties, p.Duty) {
		f.Add("duty", "must be one of %s", resources.JoinEnum(Duties))
	}
	resources.CheckText(&f, "hazard_point", &p.HazardPoint, p.Duty == DutyHazardPoint, 200)
	resources.CheckText(&f, "superior", &p.Superior, false, 64)
	if p.Superior != "" && p.Superior == p.ID {
		f.Add("superior", "may not be the person itself")
	}
	resources.CheckText(&f, "note", &p.Note, false, 1000)
	return f.Err()
}

// PersonFilter selects persons. Prefix is the caller's jurisdiction
// (dispatchd.RegionPrefix), "" for every person; Region keeps the persons
// of that region and every division below it. After is the id to continue
// after.
type PersonFilter struct {
	Prefix string
	Region string
	Duty   Duty
	// Superior keeps the persons who answer to that person.
	Superior string
	Q        string
	After    string
	Limit    int
}

// RecipientQuery selects the persons a warning goes to: those whose region
// lies within the subtree of any of Regions (dispatchd.InRegion) and, when
// Duties is not empty, whose duty is one of them; by id, after After, at
// most Limit.
type RecipientQuery struct {
	Regions []string
	Duties  []Duty
	After   string
	Limit   int
}

// Store keeps the responsible persons, and the warnings issued to them.
type Store interface {
	WarningStore
	// CreatePerson inserts a person and appends the event, in one
	// transaction; conflict when the id is taken.
	CreatePerson(ctx context.Context, p *Person, ev *dispatchd.Event) error
	// UpdatePerson locks the person, lets decide change it and name the
	// event, and writes both; not_found for an unknown id, or decide's
	// error.
	UpdatePerson(ctx context.Context, id string, decide func(*Person) (*dispatchd.Event, error)) (*Person, error)
	// DeletePerson locks the person, lets decide refuse or name the event,
	// and deletes it; not_found for an unknown id, conflict while it is
	// another person's superior.
	DeletePerson(ctx context.Context, id string, decide func(*Person) (*dispatchd.Event, error)) error
	// GetPerson returns one person; not_found for an unknown id.
	GetPerson(ctx context.Context, id string) (*Person, error)
	// ListPersons lists persons by id.
	ListPersons(ctx context.Context, f PersonFilter) ([]Person, error)
	// Recipients lists the persons RecipientQuery selects, in one query.
	Recipients(ctx context.Context, q RecipientQuery) ([]Person, error)
	// PersonsByPhone lists the persons with any of the phones, by id.
	PersonsByPhone(ctx context.Context, phones []string) ([]Person, error)
	// ImportPersons inserts every person and appends the event, in one
	// transaction.
	ImportPersons(ctx context.Context, list []Person, ev *dispatchd.Event) error
}
