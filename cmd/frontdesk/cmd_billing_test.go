package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBillingImport(t *testing.T) {
	data := t.TempDir()
	// The example files name Acme Corp, Globex and erin@globex.example:
	// the demo data has them.
	if code, out, errOut := runCmd(t, nil, "demo", "--data-dir", data); code != 0 {
		t.Fatalf("demo: %d %s %s", code, out, errOut)
	}
	ex := func(n string) string { return filepath.Join("..", "..", "billing", "testdata", n) }
	code, out, errOut := runCmd(t, nil, "billing", "import", "--data-dir", data, ex("example-invoices.csv"), ex("example-payments.csv"), ex("example.json"))
	if code != 0 || !strings.Contains(out, "invoices: 6 created, 0 updated, 0 unchanged; payments: 6 created") {
		t.Fatalf("import: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, out, _ = runCmd(t, nil, "billing", "import", "--data-dir", data, ex("example-invoices.csv"), ex("example-payments.csv"), ex("example.json"))
	if code != 0 || !strings.Contains(out, "invoices: 0 created, 0 updated, 6 unchanged; payments: 0 created, 0 updated, 6 unchanged; accounts created: 0") {
		t.Fatalf("re-import: code %d stdout %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("reference,invoice,date,amount,currency,method\nP-9,INV-2026-0002,2026-03-01,1.999,EUR,card\nP-10,INV-404,2026-03-01,1.00,EUR,card\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, nil, "billing", "import", "--data-dir", data, bad)
	if code != 1 || !strings.Contains(errOut, "bad.csv: line 2, amount: \"1.999\" has 3 decimals, EUR has 2") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("bad file: code %d stderr %s", code, errOut)
	}
	good := filepath.Join(t.TempDir(), "good.csv")
	_ = os.WriteFile(good, []byte("reference,invoice,date,amount,currency,method\nP-11,INV-2026-0002,2026-03-01,1.00,EUR,card\n"), 0o644)
	code, _, errOut = runCmd(t, nil, "billing", "import", "--data-dir", data, good, bad)
	if code != 1 || !strings.Contains(errOut, "line 3, invoice: invoice \"INV-404\" does not exist") && !strings.Contains(errOut, "1.999") {
		t.Fatalf("good+bad: code %d stderr %s", code, errOut)
	}
	// The good file was not imported with the bad one: now it is.
	code, out, _ = runCmd(t, nil, "billing", "import", "--data-dir", data, good)
	if code != 0 || !strings.Contains(out, "payments: 1 created") {
		t.Fatalf("the failed run wrote something: %s", out)
	}
	if code, _, errOut := runCmd(t, nil, "billing", "import", "--data-dir", data); code != 2 || !strings.Contains(errOut, "at least one CSV or JSON file") {
		t.Fatalf("no file: %d %s", code, errOut)
	}
}
