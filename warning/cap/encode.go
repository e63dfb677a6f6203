package cap

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Encode writes a as a CAP 1.2 document: the XML declaration, the alert in
// the CAP namespace, its elements in the schema's order and its times with
// their offsets. It writes what it is given; Decode is where rules are
// checked.
func Encode(w io.Writer, a *Alert) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write cap document: %w", err)
	}
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	if err := e.Encode(wire(a)); err != nil {
		return fmt.Errorf("write cap document: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write cap document: %w", err)
	}
	return nil
}

func wire(a *Alert) *xmlAlert {
	w := &xmlAlert{
		Identifier:  a.Identifier,
		Sender:      a.Sender,
		Sent:        FormatTime(a.Sent),
		Status:      a.Status,
		MsgType:     a.MsgType,
		Source:      a.Source,
		Scope:       a.Scope,
		Restriction: a.Restriction,
		Addresses:   a.Addresses,
		Code:        a.Code,
		Note:        a.Note,
		Incidents:   a.Incidents,
	}
	refs := make([]string, len(a.References))
	for i, r := range a.References {
		refs[i] = r.Sender + "," + r.Identifier + "," + FormatTime(r.Sent)
	}
	w.References = strings.Join(refs, " ")
	for _, in := range a.Info {
		w.Info = append(w.Info, wireInfo(in))
	}
	return w
}

func wireInfo(in Info) xmlInfo {
	w := xmlInfo{
		Language:     in.Language,
		Category:     in.Category,
		Event:        in.Event,
		ResponseType: in.ResponseType,
		Urgency:      in.Urgency,
		Severity:     in.Severity,
		Certainty:    in.Certainty,
		Audience:     in.Audience,
		EventCode:    wireValues(in.EventCode),
		Effective:    optTime(in.Effective),
		Onset:        optTime(in.Onset),
		Expires:      optTime(in.Expires),
		SenderName:   in.SenderName,
		Headline:     in.Headline,
		Description:  in.Description,
		Instruction:  in.Instruction,
		Web:          in.Web,
		Contact:      in.Contact,
		Parameter:    wireValues(in.Parameter),
	}
	for _, r := range in.Resource {
		x := xmlResource{
			ResourceDesc: r.ResourceDesc,
			MimeType:     r.MimeType,
			URI:          r.URI,
			DerefURI:     r.DerefURI,
			Digest:       r.Digest,
		}
		if r.Size != nil {
			x.Size = strconv.FormatInt(*r.Size, 10)
		}
		w.Resource = append(w.Resource, x)
	}
	for _, a := range in.Area {
		x := xmlArea{AreaDesc: a.AreaDesc, Geocode: wireValues(a.Geocode)}
		for _, p := range a.Polygon {
			x.Polygon = append(x.Polygon, p.String())
		}
		for _, c := range a.Circle {
			x.Circle = append(x.Circle, c.String())
		}
		x.Altitude = optNumber(a.Altitude)
		x.Ceiling = optNumber(a.Ceiling)
		w.Area = append(w.Area, x)
	}
	return w
}

func wireValues(vs []ValueName) []xmlValueName {
	var w []xmlValueName
	for _, v := range vs {
		w = append(w, xmlValueName(v))
	}
	return w
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatTime(t)
}

func optNumber(x *float64) string {
	if x == nil {
		return ""
	}
	return formatNumber(*x)
}

func formatNumber(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// String writes p as CAP does: "lat,lon" pairs separated by spaces.
func (p Polygon) String() string {
	s := make([]string, len(p))
	for i, pt := range p {
		s[i] = pt.String()
	}
	return strings.Join(s, " ")
}

// String writes pt as "lat,lon".
func (pt Point) String() string { return formatNumber(pt.Lat) + "," + formatNumber(pt.Lon) }

// String writes c as "lat,lon radius".
func (c Circle) String() string { return c.Center.String() + " " + formatNumber(c.Radius) }
