package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Server is a Redis server of one test's own, which the test may stop and
// start again on the same port: for the fault tests, which must not stop
// the server that every other test shares. Like a deployment's cache it
// keeps nothing on disk, so a restart empties it.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
	// URL is the server's database 0.
	URL string
}

// NewServer starts a new server on a free loopback port; it is stopped when
// the test ends. Without redis-server (TEST_REDIS_SERVER, or on the PATH)
// the test is skipped, or fails under CI.
func NewServer(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("TEST_REDIS_SERVER")
	if bin == "" {
		bin, _ = exec.LookPath("redis-server")
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no redis-server: run the tests with `make test`, which finds or installs it")
		}
		t.Skip("no redis-server (TEST_REDIS_SERVER, or on the PATH)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{t: t, bin: bin, dir: t.TempDir(), port: port, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	s.Start()
	t.Cleanup(func() {
		if s.cmd != nil {
			s.Stop()
		}
	})
	return s
}

// Start starts the server and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", s.dir, "--logfile", "")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if s.ping() {
			return
		}
	}
	s.Stop()
	s.t.Fatalf("redis-server on port %d did not answer", s.port)
}

// Stop kills the server, as a crash would, and waits until it is gone.
func (s *Server) Stop() {
	s.t.Helper()
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	b := make([]byte, 7)
	n, _ := c.Read(b)
	return string(b[:n]) == "+PONG\r\n"
}
