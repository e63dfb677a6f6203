package warning

import (
	"strings"
	"time"
	"unicode"

	"dispatchd/notify"
	"dispatchd/warning/cap"
)

// The texts of the messages: short, since an SMS of more than 70 Chinese
// characters goes in several parts.

// instructionRunes bounds the instruction and headline a message quotes.
const instructionRunes = 60

// linkValidity is how long a link stays valid for a warning that names no
// expiry.
const linkValidity = 24 * time.Hour

var levelNames = map[string]string{cap.Red: "红色", cap.Orange: "橙色", cap.Yellow: "黄色", cap.Blue: "蓝色"}

// cut returns s on one line, cut to n runes with an ellipsis.
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func title(w *Warning) string {
	if w.Headline != "" {
		return cut(w.Headline, instructionRunes)
	}
	return cut(w.Event+levelNames[w.Level]+"预警", instructionRunes)
}

// warningBody is the message a recipient of w is sent: the level and
// event, the headline, the instruction cut short, and how to answer.
func warningBody(w *Warning) string {
	var b strings.Builder
	b.WriteString("【" + w.Event + levelNames[w.Level] + "预警】")
	b.WriteString(title(w))
	if w.Instruction != "" {
		b.WriteString("。" + cut(w.Instruction, instructionRunes))
	}
	b.WriteString(" 请点击确认收到 " + notify.Link + " 或回复1")
	return b.String()
}

// noticeBody is the message a superior is sent about a recipient who did
// not answer.
func noticeBody(w *Warning, about *Recipient, regionName string) string {
	return about.Name + "（" + regionName + "）未应答" + title(w) + "，请督促并确认 " + notify.Link
}

// cancelBody is the message a Cancel sends: no answer needed.
func cancelBody(cancelled *Warning) string {
	return "【预警解除】" + title(cancelled) + "已解除，无需回复。"
}

// linkExpires is when the links of a warning's messages expire.
func linkExpires(w *Warning) time.Time {
	if w.Expires != nil && w.Expires.After(w.CreatedAt) {
		return w.Expires.UTC()
	}
	return w.CreatedAt.Add(linkValidity)
}

// NormalisePhone returns a phone number as recipients keep it and SMS
// replies are matched: digits only, and a Chinese mobile number without
// its country code (+86 or 86 before 11 digits).
func NormalisePhone(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if unicode.IsDigit(r) && r < unicode.MaxASCII {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s
}

// answerWords are the replies that answer "received".
var answerWords = map[string]bool{"1": true, "收到": true, "已收到": true, "确认": true}

// meansReceived reports whether an SMS reply answers "received": one of
// answerWords, surrounding spaces and punctuation aside.
func meansReceived(text string) bool {
	t := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	return answerWords[t]
}
