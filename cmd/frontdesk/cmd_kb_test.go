package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKBImportAndReindex(t *testing.T) {
	data := t.TempDir()
	docs := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(docs, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.md", "---\ntitle: Hello\ncategory: Start\n---\nHi\n")
	write("sub/b.md", "# From a heading\n\nbody\n")
	write("bad.md", "---\ntitle: [unclosed\n---\n")

	code, out, errOut := runCmd(t, nil, "kb", "import", "--data-dir", data, "--category", "Misc", docs)
	if code != 1 || !strings.Contains(out, "created 2, updated 0, unchanged 0, failed 1") || !strings.Contains(errOut, "bad.md") {
		t.Fatalf("import with a bad file: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	os.Remove(filepath.Join(docs, "bad.md"))
	write("a.md", "---\ntitle: Hello\ncategory: Start\n---\nHi again\n")
	code, out, errOut = runCmd(t, nil, "kb", "import", "--data-dir", data, docs)
	if code != 0 || !strings.Contains(out, "created 0, updated 1, unchanged 1, failed 0") {
		t.Fatalf("re-import: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, nil, "kb", "reindex", "--data-dir", data)
	if code != 0 || !strings.Contains(out, "rebuilt: 2 published articles") {
		t.Fatalf("reindex: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, _, errOut = runCmd(t, nil, "kb", "import", "--data-dir", data)
	if code != 2 || !strings.Contains(errOut, "at least one Markdown file") {
		t.Fatalf("import without paths: code %d stderr %s", code, errOut)
	}
}
