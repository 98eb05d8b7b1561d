package billing_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/billing"
)

func parseFile(t *testing.T, name string) *billing.Batch {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := billing.Parse(name, f)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return b
}

func TestExampleInvoicesCSVComputesTotals(t *testing.T) {
	b := parseFile(t, "example-invoices.csv")
	if len(b.Invoices) != 4 || len(b.Payments) != 0 {
		t.Fatalf("got %d invoices, %d payments", len(b.Invoices), len(b.Payments))
	}
	want := map[string]struct {
		cur                  string
		lines                int
		subtotal, tax, total int64
	}{
		"INV-2026-0001": {"EUR", 2, 56650, 11330, 67980},
		"INV-2026-0002": {"EUR", 1, 49000, 9800, 58800},
		"INV-2026-0003": {"JPY", 1, 120000, 12000, 132000},
		"INV-2026-0004": {"KWD", 2, 52125, 234, 52359},
	}
	for _, in := range b.Invoices {
		w, ok := want[in.Number]
		if !ok {
			t.Errorf("unexpected invoice %s", in.Number)
			continue
		}
		if in.Currency != w.cur || len(in.Lines) != w.lines || in.Subtotal != w.subtotal || in.Tax != w.tax || in.Total != w.total {
			t.Errorf("%s = %s %d lines %d+%d=%d, want %+v", in.Number, in.Currency, len(in.Lines), in.Subtotal, in.Tax, in.Total, w)
		}
	}
	if b.Invoices[0].Org != "Acme Corp" || b.Invoices[3].Email != "erin@globex.example" {
		t.Errorf("owners: %q %q", b.Invoices[0].Org, b.Invoices[3].Email)
	}
	if b.Invoices[2].Lines[0].Description != "Tokyo office support, Q1" {
		t.Errorf("quoted description: %q", b.Invoices[2].Lines[0].Description)
	}
}

func TestExamplePaymentsCSVAndJSON(t *testing.T) {
	p := parseFile(t, "example-payments.csv")
	if len(p.Payments) != 4 || p.Payments[1].Amount != -5000 || p.Payments[3].Amount != 20000 || p.Payments[3].Currency != "KWD" {
		t.Fatalf("payments: %+v", p.Payments)
	}
	j := parseFile(t, "example.json")
	if len(j.Invoices) != 2 || len(j.Payments) != 2 {
		t.Fatalf("json: %d invoices %d payments", len(j.Invoices), len(j.Payments))
	}
	if in := j.Invoices[0]; in.Total != 159900 || in.Tax != 9900 || in.Lines[1].Quantity != 2 {
		t.Errorf("INV-2026-0101 = %+v", in)
	}
	if in := j.Invoices[1]; in.Total != 10799 || in.Lines[0].UnitAmount != 8999 {
		t.Errorf("INV-2026-0102 (number amounts) = %+v", in)
	}
}

func problemsOf(t *testing.T, err error) []billing.Problem {
	t.Helper()
	var ve *billing.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	return ve.Problems
}

func hasProblem(ps []billing.Problem, where, msg string) bool {
	for _, p := range ps {
		if p.Where == where && strings.Contains(p.Message, msg) {
			return true
		}
	}
	return false
}

func TestBadCSVNamesEachBadLine(t *testing.T) {
	csv := `number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent,total
INV-1,cus_1,Acme Corp,,2026-01-15,2026-02-14,EUR,open,Plan,1,10.00,20,12.00
INV-2,cus_1,,,2026-13-01,,EUR,open,Plan,1,10.00,20,
INV-3,cus_1,,,2026-01-01,,XYZ,open,Plan,1,10.00,20,
INV-4,cus_1,,,2026-01-01,,EUR,open,Plan,1,10.001,20,
INV-5,cus_1,,,2026-01-01,,JPY,open,Plan,1,100.5,10,
INV-6,cus_1,,,2026-01-01,,EUR,open,Plan,1,10.00,20,99.00
INV-7,cus_1,,,2026-01-01,,EUR,pending,Plan,two,10.00,120,
INV-1,cus_1,,,2026-01-16,2026-02-14,EUR,open,More,1,0.00,20,
INV-8,,,,2026-01-01,2025-12-01,EUR,open,,1,1.00,,
`
	_, err := billing.Parse("bad.csv", strings.NewReader(csv))
	ps := problemsOf(t, err)
	for _, w := range []struct{ where, msg string }{
		{"bad.csv: line 3, issued", `"2026-13-01" is not a date`},
		{"bad.csv: line 4, currency", `"XYZ" is not an ISO 4217`},
		{"bad.csv: line 5, unit_price", "has 3 decimals, EUR has 2"},
		{"bad.csv: line 6, unit_price", "has decimals, but JPY has none"},
		{"bad.csv: line 7, total", "99.00 is not subtotal 10.00 + tax 2.00 = 12.00"},
		{"bad.csv: line 8, status", `"pending" is not one of`},
		{"bad.csv: line 8, quantity", `"two" is not a whole number`},
		{"bad.csv: line 8, tax_percent", "must be from 0 to 100"},
		{"bad.csv: line 9, issued", `differs from line 2`},
		{"bad.csv: line 10, account", "is empty"},
		{"bad.csv: line 10, description", "is empty"},
		{"bad.csv: line 10, due", "before the issue date"},
	} {
		if !hasProblem(ps, w.where, w.msg) {
			t.Errorf("missing problem %s: %s\ngot %+v", w.where, w.msg, ps)
		}
	}
	if hasProblem(ps, "bad.csv: line 2, total", "") {
		t.Errorf("a correct total was flagged: %+v", ps)
	}
}

func TestBadJSONNamesEachPath(t *testing.T) {
	doc := `{"invoices":[
	 {"number":"A-1","account":"cus_1","issued":"2026-01-01","currency":"EUR","status":"open","total":"10.00",
	  "lines":[{"description":"x","quantity":1,"unit_price":"10.00","tax_percent":"20"}]},
	 {"number":"A-2","account":"cus_1","issued":"01/02/2026","currency":"kwd","status":"open",
	  "lines":[{"description":"y","quantity":1,"unit_price":1.2345}]},
	 {"number":"A-1","account":"cus_1","issued":"2026-01-01","currency":"EUR","status":"open","lines":[]}
	],"payments":[
	 {"reference":"p1","invoice":"A-1","date":"2026-01-05","amount":"1.00","currency":"USD"},
	 {"reference":"p1","invoice":"A-2","date":"2026-01-05","amount":"0","currency":"KWD"}
	]}`
	_, err := billing.Parse("in.json", strings.NewReader(doc))
	ps := problemsOf(t, err)
	for _, w := range []struct{ where, msg string }{
		{"in.json: invoices[0].total", "10.00 is not subtotal 10.00 + tax 2.00 = 12.00"},
		{"in.json: invoices[1].issued", "is not a date"},
		{"in.json: invoices[1].lines[0].unit_price", "has 4 decimals, KWD has 3"},
		{"in.json: invoices[2].lines", "at least one line"},
		{"in.json: invoices[2].number", "already given at in.json: invoices[0]"},
		{"in.json: payments[0].currency", "USD, but invoice A-1 is in EUR"},
		{"in.json: payments[1].reference", "already given"},
		{"in.json: payments[1].amount", "is zero"},
	} {
		if !hasProblem(ps, w.where, w.msg) {
			t.Errorf("missing problem %s: %s\ngot %+v", w.where, w.msg, ps)
		}
	}
}

func TestMalformedInputIsNamed(t *testing.T) {
	for _, tt := range []struct{ name, in, msg string }{
		{"x.json", `{"invoices":[{"number":1,"lines":"no"}]}`, "line 1"},
		{"x.json", "{\n\"invoices\": [,]}", "invalid JSON at line 2"},
		{"x.csv", "a,b,c\n1,2,3\n", "header misses number"},
		{"x.csv", "", "is empty"},
		{"x.csv", "number,account,org,email,issued,due,currency,status,description,quantity,unit_price,tax_percent\n", "no rows"},
		{"x.csv", "reference,invoice,date,amount,currency,method\n\"p1,INV,2026-01-01\n", "line 2"},
	} {
		_, err := billing.Parse(tt.name, strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Parse(%q) = %v, want %q", tt.in, err, tt.msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"example-invoices.csv", "example-payments.csv", "example.json"} {
		b, err := os.ReadFile("testdata/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := billing.Parse("fuzz", strings.NewReader(string(data)))
		if err == nil {
			for _, in := range b.Invoices {
				if in.Total != in.Subtotal+in.Tax {
					t.Fatalf("accepted an invoice whose totals do not add up: %+v", in)
				}
			}
		}
	})
}
