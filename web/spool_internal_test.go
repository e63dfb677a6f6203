package web

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpoolLeavesNoFile checks that an import's spooled body has no name
// on disk while it is read: a server killed during an import (SIGKILL runs
// no deferred removal) leaves nothing in the temporary directory.
func TestSpoolLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	f, err := spool(strings.NewReader("code,name\n1,a\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	left, _ := filepath.Glob(filepath.Join(dir, "dispatchd-import-*"))
	if len(left) != 0 {
		t.Errorf("got %v in the temporary directory while the import runs, want nothing", left)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil || string(b) != "code,name\n1,a\n" {
		t.Errorf("got %q, %v reading the spooled body back, want it whole", b, err)
	}
	if _, err := os.Stat(f.Name()); !os.IsNotExist(err) {
		t.Errorf("got %v for the spooled file's name, want it gone", err)
	}
}
