package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README's tour lies between these markers; TestReadmeTour runs its sh
// blocks.
const (
	tourStart = "<!-- tour"
	tourEnd   = "<!-- /tour -->"
)

// tourScript returns the fenced sh blocks of the README between the tour's
// markers, joined in order.
func tourScript(readme string) (string, error) {
	_, rest, ok := strings.Cut(readme, "\n"+tourStart)
	if !ok {
		return "", errors.New("no " + tourStart + " marker")
	}
	tour, _, ok := strings.Cut(rest, "\n"+tourEnd)
	if !ok {
		return "", errors.New("no " + tourEnd + " marker after " + tourStart)
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(tour, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in = true
		case in && strings.TrimSpace(line) == "```":
			in = false
			b.WriteString("\n")
		case in:
			b.WriteString(line + "\n")
		}
	}
	if in {
		return "", errors.New("an sh block of the tour is not closed")
	}
	if b.Len() == 0 {
		return "", errors.New("no sh block between the tour's markers")
	}
	return b.String(), nil
}

func TestTourScript(t *testing.T) {
	tests := []struct {
		name, readme, want string
		err                bool
	}{
		{"blocks in order", "x\n<!-- tour: a -->\n```sh\na\n```\ntext\n```js\nno\n```\n```sh\nb\nc\n```\n<!-- /tour -->\n```sh\nafter\n```\n", "a\n\nb\nc\n\n", false},
		{"no start", "```sh\na\n```\n<!-- /tour -->\n", "", true},
		{"no end", "\n<!-- tour -->\n```sh\na\n```\n", "", true},
		{"unclosed", "\n<!-- tour -->\n```sh\na\n<!-- /tour -->\n", "", true},
		{"empty", "\n<!-- tour -->\ntext\n<!-- /tour -->\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tourScript(tt.readme)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("got %q, %v, want %q (error %v)", got, err, tt.want, tt.err)
			}
		})
	}
}

// TestReadmeTour runs the README's API tour, exactly as written, with
// bash -euo pipefail against a real dispatchd serve --demo, so that the
// README cannot drift from the API: every call is curl -f (a non-2xx
// answer fails it), every id comes from an answer before it, and every
// exchange passes through a proxy that checks it against the OpenAPI
// document.
func TestReadmeTour(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the tour needs %s: %v", tool, err)
			}
			t.Skipf("the tour needs %s (scripts/testenv.sh installs it as root): %v", tool, err)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := tourScript(string(readme))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	p := start(t, demoEnv(t, "sqlite"), "serve", "--addr", "127.0.0.1:0", "--demo")
	server := checkingProxy(t, p.url)

	dir := t.TempDir()
	file := filepath.Join(dir, "tour.sh")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SERVER="+server)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Minute):
		_ = cmd.Process.Kill()
		err = <-done
	}
	if err != nil {
		t.Fatalf("the README's tour failed (%v); its output:\n%s", err, out.String())
	}
	t.Logf("the tour's output:\n%s", out.String())
}

// sentKey holds, in a proxied request's context, the body it sent.
type sentKey struct{}

// checkingProxy forwards to the server at target and checks every exchange
// against the OpenAPI document; it returns its own base URL.
func checkingProxy(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host // the tracker's URL names the address the tour used
		},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			sent, _ := resp.Request.Context().Value(sentKey{}).([]byte)
			checkAnswer(t, sent, resp, body)
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sent []byte
		if r.Body != nil {
			sent, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(sent))
		}
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sentKey{}, sent)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
