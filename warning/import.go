package warning

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"dispatchd"
	"dispatchd/resources"
)

// MaxImportRows bounds the rows of one import: every township of a
// province with its villages' and hazard points' persons.
const MaxImportRows = 200_000

// maxImportBytes bounds what an import reads; the web server already
// stops a body at 64 MiB.
const maxImportBytes = 64 << 20

// personColumns maps each column of a persons file to the header names it
// may have.
var personColumns = map[string][]string{
	"name":           {"name", "姓名"},
	"phone":          {"phone", "电话", "手机"},
	"region":         {"region", "区划代码"},
	"duty":           {"duty", "职责"},
	"hazard_point":   {"hazard_point", "隐患点"},
	"superior_phone": {"superior_phone", "上级电话"},
	"note":           {"note", "备注"},
}

// PersonRow is one row of a persons file.
type PersonRow struct {
	Line          int
	Person        Person
	SuperiorPhone string
}

// ImportSummary says what an import did.
type ImportSummary struct {
	Kind string `json:"kind"`
	Rows int    `json:"rows"`
}

// ImportEvent is the data of a person.imported event: counts, never the
// file.
type ImportEvent struct {
	Rows   int    `json:"rows"`
	Source string `json:"source"`
}

// ParsePersons reads a persons file: CSV with a header row naming the
// columns name, phone, region and duty, and optionally hazard_point,
// superior_phone and note, in UTF-8 with or without a byte-order mark or
// GB18030. It checks only the file's form; every bad row is reported with
// its line, and then nothing is returned.
func ParsePersons(data []byte) ([]PersonRow, error) {
	r, header, err := resources.OpenCSV(data)
	if err != nil {
		return nil, err
	}
	var errs dispatchd.FileErrors
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		for c, names := range personColumns {
			if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(h, n) }) {
				if _, dup := index[c]; dup {
					errs.Add(1, c, "the column %s is given twice", c)
				}
				index[c] = i
			}
		}
	}
	for _, c := range []string{"name", "phone", "region", "duty"} {
		if _, ok := index[c]; !ok {
			errs.Add(1, c, "the header has no column %s", c)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var rows []PersonRow
	resources.EachCSVRow(r, &errs, func(line int, rec []string) bool {
		if len(rows) == MaxImportRows {
			errs.Add(line, "", "the file has more than %d rows", MaxImportRows)
			return false
		}
		get := func(c string) string {
			if i, ok := index[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if slices.IndexFunc(rec, func(v string) bool { return strings.TrimSpace(v) != "" }) < 0 {
			return true // a blank row
		}
		rows = append(rows, PersonRow{Line: line, SuperiorPhone: get("superior_phone"), Person: Person{
			Name: get("name"), Phone: get("phone"), Region: get("region"), Duty: Duty(get("duty")),
			HazardPoint: get("hazard_point"), Note: get("note")}})
		return true
	})
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "the file has no rows to import")
	}
	return rows, nil
}

// ImportPersons adds every person of a file (ParsePersons), all or none,
// with one person.imported event. Each row is checked as CreatePerson
// checks a person; a row outside the actor's jurisdiction is an error of
// its line. superior_phone names the superior by phone: a person of the
// file, else one already recorded (the phone must then name exactly one).
// The rows are always added, never matched to persons already recorded.
func (s *Service) ImportPersons(ctx context.Context, actor dispatchd.Actor, r io.Reader, source string) (*ImportSummary, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, dispatchd.Errorf(dispatchd.ETOOLARGE, "the file is larger than %d MiB", maxImportBytes>>20)
	}
	rows, err := ParsePersons(data)
	if err != nil {
		return nil, err
	}
	return s.Load(ctx, actor, rows, source)
}

// Load adds the rows of a persons file, as ImportPersons says.
func (s *Service) Load(ctx context.Context, actor dispatchd.Actor, rows []PersonRow, source string) (*ImportSummary, error) {
	var errs dispatchd.FileErrors
	inFile := map[string]int{}    // phone → index of its row
	checked := map[string]error{} // region → its field error
	for i := range rows {
		row := &rows[i]
		row.Person.ID = dispatchd.NewID()
		if err := row.Person.Validate(); err != nil {
			errs.AddErr(row.Line, err)
			continue
		}
		if _, dup := inFile[row.Person.Phone]; dup {
			errs.Add(row.Line, "phone", "%s is given twice", row.Person.Phone)
			continue
		}
		inFile[row.Person.Phone] = i
		err, seen := checked[row.Person.Region]
		if !seen {
			err = s.checkRegion(ctx, actor, row.Person.Region)
			if err != nil && len(dispatchd.ErrorFields(err)) == 0 {
				return nil, err
			}
			checked[row.Person.Region] = err
		}
		if err != nil {
			errs.AddErr(row.Line, err)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if err := s.resolveSuperiors(ctx, rows, inFile, &errs); err != nil {
		return nil, err
	}
	errs.SortByLine()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	list := make([]Person, len(rows))
	now := s.now()
	for i := range rows {
		list[i] = rows[i].Person
		list[i].CreatedAt, list[i].UpdatedAt = now, now
	}
	if source == "" {
		source = "import"
	}
	ev := s.event("person.imported", actor, "persons", ImportEvent{Rows: len(list), Source: source}).Scoped("", actor.Jurisdiction)
	if err := s.store.ImportPersons(ctx, list, ev); err != nil {
		return nil, fmt.Errorf("import persons: %w", err)
	}
	return &ImportSummary{Kind: "persons", Rows: len(list)}, nil
}

// resolveSuperiors sets each row's superior from its superior_phone: a
// row of the file, else the one person recorded with that phone. The
// superior's region must hold the row's, and the file may not make a
// cycle (the persons recorded never name a person of the file).
func (s *Service) resolveSuperiors(ctx context.Context, rows []PersonRow, inFile map[string]int, errs *dispatchd.FileErrors) error {
	var outside []string
	for _, row := range rows {
		if p := row.SuperiorPhone; p != "" {
			if _, ok := inFile[p]; !ok && !slices.Contains(outside, p) {
				outside = append(outside, p)
			}
		}
	}
	stored := map[string][]Person{}
	for len(outside) > 0 {
		n := min(len(outside), 500)
		found, err := s.store.PersonsByPhone(ctx, outside[:n])
		if err != nil {
			return err
		}
		for _, p := range found {
			stored[p.Phone] = append(stored[p.Phone], p)
		}
		outside = outside[n:]
	}
	for i := range rows {
		row := &rows[i]
		phone := row.SuperiorPhone
		if phone == "" {
			continue
		}
		var sup Person
		if j, ok := inFile[phone]; ok {
			sup = rows[j].Person
		} else {
			switch ps := stored[phone]; len(ps) {
			case 0:
				errs.Add(row.Line, "superior_phone", "no responsible person has the phone %s", phone)
				continue
			case 1:
				sup = ps[0]
			default:
				errs.Add(row.Line, "superior_phone", "%d responsible persons have the phone %s", len(ps), phone)
				continue
			}
		}
		if sup.ID == row.Person.ID {
			errs.Add(row.Line, "superior_phone", "may not be the person itself")
			continue
		}
		if !dispatchd.InRegion(sup.Region, row.Person.Region) {
			errs.Add(row.Line, "superior_phone", "must be responsible for the person's region or one above it")
			continue
		}
		row.Person.Superior = sup.ID
	}
	// A cycle can only run through rows of the file: follow each chain
	// within the file for at most len(rows) steps.
	for i, row := range rows {
		j, steps := i, 0
		for rows[j].SuperiorPhone != "" && steps <= len(rows) {
			k, ok := inFile[rows[j].SuperiorPhone]
			if !ok {
				break
			}
			if k == i {
				errs.Add(row.Line, "superior_phone", "makes a cycle of superiors")
				break
			}
			j, steps = k, steps+1
		}
	}
	return nil
}
