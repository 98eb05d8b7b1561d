package app_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/frontdesk/frontdesk/"

// domains are the business packages; each owns its tables and pages.
var domains = []string{"accounts", "kb", "mail", "tickets", "billing", "workspaces"}

// TestLayers keeps the package graph the shape ARCHITECTURE.md describes:
// arrows point down only, cmd → app → domains → platform. It reads every
// Go file's imports (tests included where they would break the rule too),
// so an upward import fails here before it can spread.
func TestLayers(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	type edge struct{ from, to, file string }
	var edges []edge
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		from := filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) {
				edges = append(edges, edge{from, strings.TrimPrefix(p, module), strings.TrimPrefix(path, root+string(os.PathSeparator))})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(edges) < 50 {
		t.Fatalf("found only %d imports inside the module; is the walk rooted right (%s)?", len(edges), root)
	}
	under := func(pkg, top string) bool { return pkg == top || strings.HasPrefix(pkg, top+"/") }
	domainOf := func(pkg string) string {
		for _, d := range domains {
			if under(pkg, d) {
				return d
			}
		}
		return ""
	}
	for _, e := range edges {
		test := strings.HasSuffix(e.file, "_test.go")
		switch {
		case under(e.to, "cmd"):
			t.Errorf("%s imports %s: nothing imports the binary", e.file, e.to)
		case under(e.from, "platform") && (domainOf(e.to) != "" || under(e.to, "app")):
			t.Errorf("%s imports %s: the platform layer imports no domain and not app", e.file, e.to)
		case domainOf(e.from) != "" && under(e.to, "app") && !test:
			// Tests (external test packages, so no cycle) may start a
			// whole app through app and its kits.
			t.Errorf("%s imports %s: a domain never imports the composition root", e.file, e.to)
		case under(e.from, "mail") && domainOf(e.to) != "" && domainOf(e.to) != "mail" && !test:
			t.Errorf("%s imports %s: mail imports no other domain (ingestion delivers through an interface app wires)", e.file, e.to)
		}
	}
}
