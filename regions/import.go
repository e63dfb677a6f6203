package regions

import (
	"context"
	"fmt"
	"io"

	"dispatchd"
	"dispatchd/geo"
)

// The import kinds.
const (
	ImportCodes      = "regions"
	ImportBoundaries = "boundaries"
)

// ImportSummary says what an import did.
type ImportSummary struct {
	Kind string `json:"kind"`
	Rows int    `json:"rows"`
}

// ImportEvent is the data of a region.imported event: counts, never the
// file.
type ImportEvent struct {
	Kind   string `json:"kind"`
	Rows   int    `json:"rows"`
	Source string `json:"source"`
}

// maxImportBytes bounds what an import reads into memory; the web server
// already stops a body at 64 MiB.
const maxImportBytes = 64 << 20

// canImport reports whether the actor may load the region tree: it is the
// whole deployment's, so only admins and commanders of the whole
// deployment may (an admin with a jurisdiction manages only that).
func canImport(a dispatchd.Actor) error {
	if a.Is(dispatchd.RoleAdmin, dispatchd.RoleCommander) && a.Jurisdiction == "" {
		return nil
	}
	return dispatchd.Errorf(dispatchd.EFORBIDDEN, "only admins and commanders of the whole deployment may import the region tree")
}

func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, dispatchd.Errorf(dispatchd.ETOOLARGE, "the file is larger than %d MiB", maxImportBytes>>20)
	}
	return data, nil
}

// ImportCodes loads a code list (ParseCodes) into the tree, every row or
// none, with one region.imported event. A row without a level takes the
// one its code gives; a row without a parent takes, for a county, its
// city xxyy00 if the file or the tree has that city, else its province
// (the counties a province governs directly, 省直辖县 such as 429004 仙桃市,
// have no city); for a township its county; for a city its province.
// Regions already in the tree are replaced by code and keep their
// boundaries; none is removed.
func (s *Service) ImportCodes(ctx context.Context, actor dispatchd.Actor, r io.Reader, source string) (*ImportSummary, error) {
	if err := canImport(actor); err != nil {
		return nil, err
	}
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	rows, err := ParseCodes(data)
	if err != nil {
		return nil, err
	}
	return s.Load(ctx, actor, rows, source)
}

// Load writes the rows of a code list, checked as ParseCodes checks them,
// with their levels and parents derived as ImportCodes says, in one
// transaction with one region.imported event.
func (s *Service) Load(ctx context.Context, actor dispatchd.Actor, rows []CodeRow, source string) (*ImportSummary, error) {
	if err := canImport(actor); err != nil {
		return nil, err
	}
	var errs dispatchd.FileErrors
	inFile := make(map[string]bool, len(rows))
	for i := range rows {
		checkRow(&errs, &rows[i])
		if inFile[rows[i].Code] {
			errs.Add(rows[i].Line, "code", "%s is given twice", rows[i].Code)
		}
		inFile[rows[i].Code] = true
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, dispatchd.Errorf(dispatchd.EINVALID, "the file has no rows to import")
	}
	known := map[string]bool{}
	exists := func(code string) (bool, error) {
		if inFile[code] {
			return true, nil
		}
		if v, ok := known[code]; ok {
			return v, nil
		}
		_, err := s.store.GetRegion(ctx, code)
		switch dispatchd.ErrorCode(err) {
		case "":
			known[code] = true
		case dispatchd.ENOTFOUND:
			known[code] = false
		default:
			return false, err
		}
		return known[code], nil
	}
	rs := make([]Region, len(rows))
	for i, row := range rows {
		reg := Region{Code: row.Code, Name: row.Name, Level: LevelOf(row.Code), Parent: row.Parent}
		if reg.Parent == "" && reg.Level != Province {
			reg.Parent = dispatchd.RegionParent(reg.Code)
			if reg.Level == County {
				ok, err := exists(reg.Parent)
				if err != nil {
					return nil, err
				}
				if !ok {
					reg.Parent = reg.Code[:2] + "0000"
				}
			}
		}
		rs[i] = reg
	}
	ev := s.importEvent(actor, ImportCodes, len(rs), source)
	if err := s.store.PutRegions(ctx, rs, []dispatchd.Event{ev}); err != nil {
		return nil, fmt.Errorf("import regions: %w", err)
	}
	s.Invalidate()
	return &ImportSummary{Kind: ImportCodes, Rows: len(rs)}, nil
}

// ImportBoundaries loads region outlines (ParseBoundaries) into the tree,
// every one or none, with one region.imported event; each must be of a
// region the tree has. The boundary index is rebuilt: at once on this
// node, from the event on the others.
func (s *Service) ImportBoundaries(ctx context.Context, actor dispatchd.Actor, r io.Reader, crs geo.CRS, source string) (*ImportSummary, error) {
	if err := canImport(actor); err != nil {
		return nil, err
	}
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	bs, err := ParseBoundaries(data, crs)
	if err != nil {
		return nil, err
	}
	var errs dispatchd.FileErrors
	rs := make([]Region, 0, len(bs))
	for _, b := range bs {
		_, err := s.store.GetRegion(ctx, b.Code)
		switch dispatchd.ErrorCode(err) {
		case "":
			rs = append(rs, Region{Code: b.Code, Boundary: b.Geometry})
		case dispatchd.ENOTFOUND:
			errs.Add(b.Line, "properties.code", "unknown region %s: import the code list first", b.Code)
		default:
			return nil, err
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	ev := s.importEvent(actor, ImportBoundaries, len(rs), source)
	if err := s.store.PutBoundaries(ctx, rs, []dispatchd.Event{ev}); err != nil {
		return nil, fmt.Errorf("import boundaries: %w", err)
	}
	s.Invalidate()
	return &ImportSummary{Kind: ImportBoundaries, Rows: len(rs)}, nil
}

func (s *Service) importEvent(actor dispatchd.Actor, kind string, rows int, source string) dispatchd.Event {
	if source == "" {
		source = "import"
	}
	return dispatchd.NewEvent("region.imported", actor, kind, ImportEvent{Kind: kind, Rows: rows, Source: source})
}
