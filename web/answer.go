package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"dispatchd"
	"dispatchd/notify"
	"dispatchd/warning"
)

// The one-tap answer page (/a/{code}): the link a message carries, opened
// on a phone without a login. The code is the credential, for one
// recipient of one warning (or, later, one task): it is never logged (the
// request log and the metrics name the route, not the path) and guesses
// are limited per address. A GET only shows what the code is for, since
// messaging apps fetch links to preview them; the page's button POSTs a
// form to the same address, which answers.

// answerPath is the route of the one-tap page.
const answerPath = "/a/:code"

// OneTap is what a one-tap page shows of the subject of a code.
type OneTap struct {
	// Kind is what the code answers: notify.KindWarning, KindNotice (a
	// "not answered" notice to a superior) or KindTask.
	Kind        string
	Level       string // red, orange, yellow, blue; empty for none
	Headline    string
	Instruction string
	Sender      string
	Deadline    time.Time
	AnsweredAt  *time.Time
}

// Answerer shows and answers the one-tap codes of some kinds. Both
// answer not_found for a code that is unknown, expired or not of its
// kinds; ShowCode changes nothing; AnswerCode answered twice returns the
// first answer.
type Answerer interface {
	ShowCode(ctx context.Context, code string) (*OneTap, error)
	AnswerCode(ctx context.Context, code string) (*OneTap, error)
}

// WarningAnswers is the Answerer of the codes of warnings and notices.
func WarningAnswers(s *warning.Service) Answerer { return warningAnswerer{s} }

type warningAnswerer struct{ s *warning.Service }

func (w warningAnswerer) ShowCode(ctx context.Context, code string) (*OneTap, error) {
	return oneTapOf(w.s.ShowCode(ctx, code))
}

func (w warningAnswerer) AnswerCode(ctx context.Context, code string) (*OneTap, error) {
	return oneTapOf(w.s.AnswerCode(ctx, code))
}

func oneTapOf(a *warning.Answer, err error) (*OneTap, error) {
	if err != nil {
		return nil, err
	}
	return &OneTap{Kind: a.Recipient.Kind, Level: a.Warning.Level, Headline: a.Warning.Headline, Instruction: a.Warning.Instruction,
		Sender: a.Warning.Sender, Deadline: a.Recipient.Deadline, AnsweredAt: a.Recipient.AnsweredAt}, nil
}

var (
	//go:embed answer/page.html
	answerHTML string
	//go:embed answer/page.css
	answerCSS  string
	answerPage = template.Must(template.New("answer").Parse(answerHTML))
	// answerCSP allows the page's own style and a form posted to itself:
	// no script, no other source, no frame.
	answerCSP = func() string {
		sum := sha256.Sum256([]byte(answerCSS))
		return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	}()
)

// answerView is the template's data.
type answerView struct {
	Found                                bool
	Style                                template.CSS
	Level, Headline, Instruction, Sender string
	KindZH, KindEN, LevelZH              string
	Deadline, DeadlineISO                string
	Answered                             bool
	AnsweredAt, AnsweredISO              string
	TitleZH, TitleEN, DetailZH, DetailEN string
}

var levelZH = map[string]string{"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}

// showAnswer handles GET /a/:code: what the code answers, and the button;
// it answers nothing.
func (s *Server) showAnswer(c echo.Context) error {
	return s.oneTap(c, Answerer.ShowCode)
}

// postAnswer handles POST /a/:code: the code's recipient answers, and the
// page says so with the time; a second answer shows the first.
func (s *Server) postAnswer(c echo.Context) error {
	return s.oneTap(c, Answerer.AnswerCode)
}

func (s *Server) oneTap(c echo.Context, do func(Answerer, context.Context, string) (*OneTap, error)) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", answerCSP)
	h.Set("X-Robots-Tag", "noindex, nofollow")
	now := time.Now()
	addr := addressKey(c.RealIP())
	if ok, wait := s.answerLimit.allow(addr, now); !ok {
		return s.answerError(c, rateLimited(c, "requests from this address", wait))
	}
	if blocked, wait := s.codeFailures.exhausted(addr, now); blocked {
		return s.answerError(c, rateLimited(c, "unknown links from this address", wait))
	}
	code := c.Param("code")
	var t *OneTap
	var err error = dispatchd.Errorf(dispatchd.ENOTFOUND, "no such link")
	if notify.ValidCode(code) {
		for _, a := range s.answerers {
			t, err = do(a, c.Request().Context(), code)
			if dispatchd.ErrorCode(err) != dispatchd.ENOTFOUND {
				break
			}
		}
	}
	if err != nil {
		if dispatchd.ErrorCode(err) == dispatchd.ENOTFOUND {
			s.codeFailures.allow(addr, now)
		}
		return s.answerError(c, err)
	}
	return s.renderAnswer(c, http.StatusOK, s.viewOf(t))
}

func (s *Server) viewOf(t *OneTap) answerView {
	v := answerView{Found: true, Level: t.Level, Headline: t.Headline, Instruction: t.Instruction, Sender: t.Sender,
		LevelZH: levelZH[t.Level], Deadline: t.Deadline.In(s.zone).Format("2006-01-02 15:04 MST"),
		DeadlineISO: t.Deadline.Format(time.RFC3339)}
	switch t.Kind {
	case notify.KindNotice:
		v.KindZH, v.KindEN = "未应答通知", "Not-answered notice"
	case notify.KindTask:
		v.KindZH, v.KindEN = "任务", "Task"
	default:
		v.KindZH, v.KindEN = levelZH[t.Level]+"预警", t.Level+" warning"
	}
	if t.AnsweredAt != nil {
		v.Answered = true
		v.AnsweredAt = t.AnsweredAt.In(s.zone).Format("2006-01-02 15:04:05 MST")
		v.AnsweredISO = t.AnsweredAt.Format(time.RFC3339)
	}
	return v
}

// answerError shows an error as a page: the link is opened in a browser,
// not by an API client.
func (s *Server) answerError(c echo.Context, err error) error {
	code := dispatchd.ErrorCode(err)
	status := codeStatus[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	v := answerView{TitleZH: "暂时无法确认", TitleEN: "Cannot answer just now",
		DetailZH: "请稍后再试，或直接电话回复。", DetailEN: "Please try again later, or answer by phone."}
	switch code {
	case dispatchd.ENOTFOUND:
		v = answerView{TitleZH: "链接无效或已过期", TitleEN: "This link is unknown or has expired",
			DetailZH: "请以短信或电话回复。", DetailEN: "Please answer by SMS or phone."}
	case dispatchd.ERATELIMITED:
		v.DetailZH, v.DetailEN = "请求过多，请稍后再试。", "Too many requests: please try again shortly."
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(ra.RetryAfter().Seconds())), 1)))
		}
	case dispatchd.EUNAVAILABLE:
		c.Response().Header().Set("Retry-After", "2")
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "one-tap answer failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"route", answerPath, "error", err)
	}
	return s.renderAnswer(c, status, v)
}

func (s *Server) renderAnswer(c echo.Context, status int, v answerView) error {
	v.Style = template.CSS(answerCSS)
	var buf bytes.Buffer
	if err := answerPage.Execute(&buf, v); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}
