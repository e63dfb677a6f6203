package web

import (
	"encoding/xml"
	"io"
	"strconv"
	"time"

	"dispatchd/realtime"
)

// A team's track as GPX 1.1 (https://www.topografix.com/GPX/1/1/), for
// the mapping tools that read no GeoJSON. Elements are declared in the
// order the schema's sequences give them.

const (
	gpxNamespace = "http://www.topografix.com/GPX/1/1"
	// gpxTPX is Garmin's TrackPointExtension v2, which most GPX readers
	// take a point's speed and course from.
	gpxTPX     = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
	gpxCreator = "dispatchd"
)

type gpxDoc struct {
	XMLName  xml.Name    `xml:"gpx"`
	XMLNS    string      `xml:"xmlns,attr"`
	TPX      string      `xml:"xmlns:gpxtpx,attr"`
	Version  string      `xml:"version,attr"`
	Creator  string      `xml:"creator,attr"`
	Metadata gpxMetadata `xml:"metadata"`
	Trk      gpxTrk      `xml:"trk"`
}

type gpxMetadata struct {
	Desc string    `xml:"desc,omitempty"`
	Time time.Time `xml:"time"`
}

type gpxTrk struct {
	Name   string    `xml:"name"`
	Src    string    `xml:"src"`
	Type   string    `xml:"type,omitempty"`
	Trkseg gpxTrkseg `xml:"trkseg"`
}

type gpxTrkseg struct {
	Trkpt []gpxTrkpt `xml:"trkpt"`
}

type gpxTrkpt struct {
	Lat        string         `xml:"lat,attr"`
	Lon        string         `xml:"lon,attr"`
	Ele        *float64       `xml:"ele,omitempty"`
	Time       time.Time      `xml:"time"`
	Extensions *gpxExtensions `xml:"extensions,omitempty"`
}

type gpxExtensions struct {
	TPX gpxTrackPointExtension `xml:"gpxtpx:TrackPointExtension"`
}

// gpxTrackPointExtension holds speed (m/s) then course (degrees), in the
// extension schema's order.
type gpxTrackPointExtension struct {
	Speed  *float64 `xml:"gpxtpx:speed,omitempty"`
	Course *float64 `xml:"gpxtpx:course,omitempty"`
}

// writeGPX writes a team's positions as a GPX 1.1 file with one track of
// one segment, the points oldest first; truncated says in the metadata
// that the range held more.
func writeGPX(w io.Writer, team, name string, ps []realtime.Position, truncated bool, now time.Time) error {
	doc := gpxDoc{XMLNS: gpxNamespace, TPX: gpxTPX, Version: "1.1", Creator: gpxCreator,
		Metadata: gpxMetadata{Time: now.UTC()},
		Trk:      gpxTrk{Name: name, Src: "dispatchd team " + team, Trkseg: gpxTrkseg{Trkpt: make([]gpxTrkpt, len(ps))}}}
	if truncated {
		doc.Metadata.Desc = "truncated: the range holds more fixes than the limit; ask again from just after the last time"
	}
	coord := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for i, p := range ps {
		pt := gpxTrkpt{Lat: coord(p.Lat), Lon: coord(p.Lon), Ele: p.Altitude, Time: p.TS.UTC()}
		if p.Speed != nil || p.Heading != nil {
			pt.Extensions = &gpxExtensions{TPX: gpxTrackPointExtension{Speed: p.Speed, Course: p.Heading}}
		}
		doc.Trk.Trkseg.Trkpt[i] = pt
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
