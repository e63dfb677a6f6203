package dispatchd_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// layer names the part of the module a package belongs to: one of the
// adapters, cmd (which wires them together) or the domain.
func layer(pkg string) string {
	for _, a := range []string{"dispatchd/web", "dispatchd/store/storetest", "dispatchd/realtime/redisbus", "dispatchd/store"} {
		if pkg == a || strings.HasPrefix(pkg, a+"/") {
			return a
		}
	}
	for _, w := range wiring {
		if pkg == w || strings.HasPrefix(pkg, w+"/") {
			return "cmd"
		}
	}
	return "domain"
}

// wiring lists the trees whose packages may wire adapters together: the
// binary, and the load generators it runs (bench), which start servers
// and stores of their own.
var wiring = []string{"dispatchd/cmd", "dispatchd/bench"}

// drivers are the outside code only adapters may import.
var drivers = []string{
	"github.com/labstack/echo",
	"github.com/jackc/pgx",
	"github.com/redis/go-redis",
	"github.com/gorilla/websocket",
	"modernc.org/sqlite",
}

// TestLayers holds the boundaries of CONVENTIONS.md: no adapter (web, the
// stores, the conformance tests of the stores, the Redis bus) imports
// another, the domain imports no adapter and no driver, and only cmd wires
// adapters together. Test files may wire what they test.
func TestLayers(t *testing.T) {
	imports := moduleImports(t)
	if len(imports) < 10 {
		t.Fatalf("got %d packages, want the whole module", len(imports))
	}
	var bad []string
	for pkg, deps := range imports {
		from := layer(pkg)
		for _, dep := range deps {
			to := layer(dep)
			switch {
			case from == "cmd":
			case strings.HasPrefix(dep, "dispatchd/") && to != "domain" && to != from:
				bad = append(bad, pkg+" imports "+dep+": "+from+" may not import "+to)
			case from == "domain" && slices.ContainsFunc(drivers, func(d string) bool { return dep == d || strings.HasPrefix(dep, d+"/") }):
				bad = append(bad, pkg+" imports "+dep+": the domain imports no driver")
			}
		}
	}
	slices.Sort(bad)
	bad = slices.Compact(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// moduleImports returns, for every package of the module, what its non-test
// files import.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	imports := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := path.Join("dispatchd", filepath.ToSlash(filepath.Dir(p)))
		for _, im := range f.Imports {
			dep, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				return err
			}
			imports[pkg] = append(imports[pkg], dep)
		}
		if _, ok := imports[pkg]; !ok {
			imports[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return imports
}
