package bench

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyTheCommandImportsBench holds the package to what it is, a tool:
// no package of the server (web, the domain, the stores) imports it, only
// cmd/.
func TestOnlyTheCommandImportsBench(t *testing.T) {
	t.Parallel()
	var importers []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != ".." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, im := range f.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); p == "dispatchd/bench" {
				importers = append(importers, filepath.ToSlash(path))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(importers) == 0 {
		t.Fatal("no file imports dispatchd/bench: the walk missed cmd/dispatchd")
	}
	for _, path := range importers {
		if !strings.HasPrefix(path, "../cmd/") {
			t.Errorf("got %s importing dispatchd/bench, want only cmd/ to import it", path)
		}
	}
}
