package web

import (
	"mime"
	"testing"
)

// TestContentDisposition: an ASCII fallback any client reads and the
// Chinese name as RFC 5987 UTF-8, which Go's own parser (RFC 2231) reads
// back; names typed by users lose what breaks a header or a path.
func TestContentDisposition(t *testing.T) {
	for _, tt := range []struct {
		fallback, name, want, wantName string
	}{
		{"review-i1.csv", "复盘-堤坝 管涌-i1.csv",
			`attachment; filename="review-i1.csv"; filename*=UTF-8''%E5%A4%8D%E7%9B%98-%E5%A0%A4%E5%9D%9D%20%E7%AE%A1%E6%B6%8C-i1.csv`,
			"复盘-堤坝 管涌-i1.csv"},
		{"track-t1.gpx", "track-t1.gpx", `attachment; filename="track-t1.gpx"`, "track-t1.gpx"},
		{"a\"b\\c/d\r\n.csv", "", `attachment; filename="a_b_c_d__.csv"`, "a_b_c_d__.csv"},
		{"x.xlsx", fileName(`a/b\c:"d"*?<>|`+"\n") + ".xlsx", `attachment; filename="x.xlsx"; filename*=UTF-8''a_b_c__d______.xlsx`, "a_b_c__d______.xlsx"},
	} {
		got := contentDisposition(tt.fallback, tt.name)
		if got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
		if _, params, err := mime.ParseMediaType(got); err != nil || params["filename"] != tt.wantName {
			t.Errorf("%s: parsed %v (%v), want the name %q", got, params, err, tt.wantName)
		}
	}
}
