package coverage

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"dispatchd"
	"dispatchd/geo"
	"dispatchd/resources"
)

// MaxPopulationPoints bounds the points of one population import.
const MaxPopulationPoints = 500000

// PopulationPoint is the population of a place (a village's or a
// township's centre), in WGS-84.
type PopulationPoint struct {
	At         geo.Point
	Population float64
}

// ParsePopulationGeoJSON reads a GeoJSON FeatureCollection of Point
// features, each with a numeric property population (at least 0), their
// coordinates in crs. Every error is reported by feature, as the field
// features[i]...; nothing is returned unless every feature is good. An
// empty collection is an empty layer.
func ParsePopulationGeoJSON(data []byte, crs geo.CRS) ([]PopulationPoint, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "body", Message: "is not a GeoJSON FeatureCollection: " + jsonMessage(err)})
	}
	if fc.Type != "FeatureCollection" {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "type", Message: "must be FeatureCollection"})
	}
	if len(fc.Features) > MaxPopulationPoints {
		return nil, dispatchd.Invalid(dispatchd.FieldError{Field: "features", Message: fmt.Sprintf("at most %d features", MaxPopulationPoints)})
	}
	var errs dispatchd.FileErrors
	out := make([]PopulationPoint, 0, len(fc.Features))
	for i, raw := range fc.Features {
		at := fmt.Sprintf("features[%d]", i)
		var f struct {
			Type     string `json:"type"`
			Geometry *struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			errs.Add(0, at, "is not a feature: %s", jsonMessage(err))
			continue
		}
		if f.Type != "Feature" {
			errs.Add(0, at+".type", "must be Feature")
		}
		var p geo.Point
		var coords []float64
		switch {
		case f.Geometry == nil || f.Geometry.Type != "Point":
			errs.Add(0, at+".geometry", "must be a Point")
		case json.Unmarshal(f.Geometry.Coordinates, &coords) != nil || len(coords) < 2 || len(coords) > 3:
			errs.Add(0, at+".geometry.coordinates", "must be [lon, lat]")
		default:
			if q, err := (geo.Point{Lon: coords[0], Lat: coords[1], CRS: crs}).WGS84(); err != nil {
				errs.Add(0, at+".geometry.coordinates", "%v", err)
			} else {
				p = q
			}
		}
		n, err := population(string(f.Properties["population"]))
		if err != nil {
			errs.Add(0, at+".properties.population", "%v", err)
		}
		out = append(out, PopulationPoint{At: p, Population: n})
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ParsePopulationCSV reads a CSV file (UTF-8 with or without a byte-order
// mark, or GB18030; CRLF or LF) whose header names the columns lon, lat
// and population in any order; other columns, such as a name, are
// ignored. Coordinates are in crs. Errors are by line.
func ParsePopulationCSV(data []byte, crs geo.CRS) ([]PopulationPoint, error) {
	r, header, err := resources.OpenCSV(data)
	if err != nil {
		return nil, err
	}
	r.ReuseRecord = true
	col := map[string]int{}
	var errs dispatchd.FileErrors
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup && h != "" {
			errs.Add(1, h, "column is given twice")
		}
		col[h] = i
	}
	for _, c := range []string{"lon", "lat", "population"} {
		if _, ok := col[c]; !ok {
			errs.Add(1, c, "required column is missing (the columns are lon, lat, population)")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out []PopulationPoint
	resources.EachCSVRow(r, &errs, func(line int, rec []string) bool {
		if len(out) >= MaxPopulationPoints {
			errs.Add(line, "", "at most %d rows", MaxPopulationPoints)
			return false
		}
		field := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			return true // a blank line
		}
		var ll [2]float64
		good := true
		for j, name := range []string{"lon", "lat"} {
			v, err := strconv.ParseFloat(field(name), 64)
			if err != nil {
				errs.Add(line, name, "must be a number")
				good = false
			}
			ll[j] = v
		}
		var p geo.Point
		if good {
			if q, err := (geo.Point{Lon: ll[0], Lat: ll[1], CRS: crs}).WGS84(); err != nil {
				errs.Add(line, "lon", "%v", err)
			} else {
				p = q
			}
		}
		n, err := population(field("population"))
		if err != nil {
			errs.Add(line, "population", "%v", err)
		}
		out = append(out, PopulationPoint{At: p, Population: n})
		return true
	})
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// maxPopulation bounds one place's population: more than any city.
const maxPopulation = 1e8

// population reads a population: a finite number, at least 0.
func population(s string) (float64, error) {
	if s == "" || s == "null" {
		return 0, errors.New("is required")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("must be a number")
	}
	if v < 0 || v > maxPopulation {
		return 0, fmt.Errorf("must be at least 0 and at most %g", float64(maxPopulation))
	}
	return v, nil
}

// jsonMessage is a JSON error without its package's prefix.
func jsonMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}
