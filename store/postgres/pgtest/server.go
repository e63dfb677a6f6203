package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Server is a PostgreSQL server of one test's own, which the test may stop
// and start again: for the fault tests, which must not stop the server that
// every other test shares. Unlike that one it keeps fsync and synchronous
// commit on, so that what it acknowledged survives a crash.
type Server struct {
	t    testing.TB
	bin  string   // the directory of initdb, pg_ctl and postgres
	dir  string   // data directory and socket
	port int      // on 127.0.0.1
	as   []string // runuser -u postgres -- when run as root: initdb refuses root
	// URL is the server's postgres database.
	URL string
}

// NewServer initializes and starts a new server on a free loopback port;
// it is stopped and removed when the test ends. Without the server binaries
// (TEST_PG_BIN, or /usr/lib/postgresql/*/bin) the test is skipped, or fails
// under CI.
func NewServer(t testing.TB) *Server {
	t.Helper()
	bin := findBin()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no PostgreSQL server binaries: run the tests with `make test`, which finds or installs them")
		}
		t.Skip("no PostgreSQL server binaries (TEST_PG_BIN, /usr/lib/postgresql/*/bin)")
	}
	dir, err := os.MkdirTemp("", "pgtest-server-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: bin, dir: dir, port: freePort(t)}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, initdb needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		s.as = []string{"runuser", "-u", "postgres", "--"}
	}
	s.run("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	s.Start()
	t.Cleanup(func() {
		if s.running() {
			s.Stop("immediate")
		}
	})
	return s
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Start starts the server (again, on the same port) and waits until it
// accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=100", s.port, s.dir)
	s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "-t", "120", "start")
}

// Stop stops the server: mode "fast" ends every session and shuts down
// cleanly, "immediate" quits at once as a crash would (the next start
// recovers from the log).
func (s *Server) Stop(mode string) {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data(), "-m", mode, "-w", "-t", "120", "stop")
}

func (s *Server) running() bool {
	_, err := os.Stat(filepath.Join(s.data(), "postmaster.pid"))
	return err == nil
}

func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	argv := append(append([]string{}, s.as...), append([]string{filepath.Join(s.bin, name)}, args...)...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		s.t.Fatalf("%s: %v\n%s\n%s", strings.Join(argv, " "), err, out, log)
	}
}

// findBin returns the newest PostgreSQL server binaries' directory, or "".
func findBin() string {
	if d := os.Getenv("TEST_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// freePort returns a loopback TCP port that nothing listened on a moment
// ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
