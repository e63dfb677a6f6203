package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// negotiate picks, of the media types offered (the server's preference
// first), the one the request's Accept header prefers (RFC 9110, section
// 12.5.1): each offer takes the quality of the most specific media range
// that matches it (type/subtype, then type/*, then */*), the highest
// quality wins, and ties go to the earlier offer. No Accept header takes
// the first offer; a header that accepts none of them is answered 406.
func negotiate(c echo.Context, offers ...string) (string, error) {
	header := strings.Join(c.Request().Header.Values(echo.HeaderAccept), ",")
	if strings.TrimSpace(header) == "" {
		return offers[0], nil
	}
	ranges := parseAccept(header)
	best, bestQ := "", 0.0
	for _, o := range offers {
		if q := quality(ranges, o); q > bestQ {
			best, bestQ = o, q
		}
	}
	if best == "" {
		return "", echo.NewHTTPError(http.StatusNotAcceptable,
			"this resource is available as "+strings.Join(offers, " or ")+"; the Accept header takes neither")
	}
	return best, nil
}

// mediaRange is one element of an Accept header.
type mediaRange struct {
	typ, sub string
	q        float64
}

// parseAccept reads an Accept header, skipping malformed elements.
func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, el := range strings.Split(h, ",") {
		parts := strings.Split(el, ";")
		typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(parts[0])), "/")
		if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		r := mediaRange{typ: typ, sub: sub, q: 1}
		valid := true
		for _, p := range parts[1:] {
			name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "q" {
				q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err != nil || q < 0 || q > 1 {
					valid = false
				}
				r.q = q
				break // what follows q are accept-ext, not media type parameters
			}
		}
		if valid {
			out = append(out, r)
		}
	}
	return out
}

// quality is the quality the ranges give the media type offer: that of
// the most specific range matching it, or 0. The offers are UTF-8 and
// carry no parameters, so a range's parameters (a charset) are not told
// apart.
func quality(ranges []mediaRange, offer string) float64 {
	typ, sub, _ := strings.Cut(offer, "/")
	q, spec := 0.0, -1
	for _, r := range ranges {
		s := -1
		switch {
		case r.typ == typ && r.sub == sub:
			s = 2
		case r.typ == typ && r.sub == "*":
			s = 1
		case r.typ == "*":
			s = 0
		}
		if s > spec {
			q, spec = r.q, s
		}
	}
	return q
}
