package warning

import (
	"strings"
	"testing"
	"time"

	"dispatchd/notify"
)

func TestNormalisePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13900000001", "13900000001"},
		{"+86 139-0000-0001", "13900000001"},
		{"8613900000001", "13900000001"},
		{"0571-12121", "057112121"},
		{"+1 415 555 0100", "14155550100"},
		{"861390000000", "861390000000"}, // 12 digits: not a mobile with its code
		{"１３９", ""},                      // full-width digits are not ASCII digits
	}
	for _, tt := range tests {
		if got := NormalisePhone(tt.in); got != tt.want {
			t.Errorf("NormalisePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMeansReceived(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"1", true}, {" 1 ", true}, {"收到", true}, {"收到！", true}, {"已收到。", true}, {"确认", true},
		{"2", false}, {"11", false}, {"收到了吗", false}, {"", false}, {"好的", false},
	}
	for _, tt := range tests {
		if got := meansReceived(tt.text); got != tt.want {
			t.Errorf("meansReceived(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestBodies(t *testing.T) {
	w := &Warning{Level: "red", Event: "山洪", Headline: "淳安县山洪红色预警",
		Instruction: strings.Repeat("立即转移危险区域群众。", 20), CreatedAt: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	body := warningBody(w)
	if !strings.HasPrefix(body, "【山洪红色预警】淳安县山洪红色预警。") || !strings.Contains(body, "…") ||
		!strings.HasSuffix(body, "请点击确认收到 "+notify.Link+" 或回复1") {
		t.Fatalf("got %q, want level, headline, the instruction cut, the link and the reply", body)
	}
	if n := len([]rune(body)); n > 140 {
		t.Fatalf("got %d characters, want at most 140", n)
	}
	n := noticeBody(w, &Recipient{Name: "张三"}, "千岛湖镇")
	if n != "张三（千岛湖镇）未应答淳安县山洪红色预警，请督促并确认 "+notify.Link {
		t.Fatalf("got %q", n)
	}
	if got := linkExpires(w); !got.Equal(w.CreatedAt.Add(24 * time.Hour)) {
		t.Fatalf("got links expiring %v, want a day after issue", got)
	}
	exp := w.CreatedAt.Add(6 * time.Hour)
	w.Expires = &exp
	if got := linkExpires(w); !got.Equal(exp) {
		t.Fatalf("got links expiring %v, want the warning's expiry", got)
	}
}
