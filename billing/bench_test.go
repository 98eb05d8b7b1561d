package billing_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Benchmark data: 200,000 invoices (two lines each) and 400,000 payments
// in SQLite, over 2,000 billing accounts of 500 organisations, so one
// organisation's members see 400 invoices (four accounts, four currencies).
const (
	benchInvoices = 200_000
	benchAccounts = 2_000
	benchOrgs     = 500
)

// benchDB builds (once, cached under the temp dir between runs) the
// migrated SQLite file with the benchmark data and returns a copy's path.
func benchDB(b *testing.B) string {
	b.Helper()
	cache := filepath.Join(os.TempDir(), "frontdesk-billing-bench-v3.db")
	if _, err := os.Stat(cache); err != nil {
		start := time.Now()
		tmp := cache + ".tmp"
		os.Remove(tmp)
		if err := seedBench(tmp); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, cache); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d invoices in %s", benchInvoices, time.Since(start).Round(time.Second))
	}
	dst := filepath.Join(b.TempDir(), "bench.db")
	data, err := os.ReadFile(cache)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return dst
}

// dbTime is how bun writes a time into SQLite, so the seeded rows compare
// like the ones the service writes.
const dbTime = "2006-01-02 15:04:05.999999-07:00"

func seedBench(path string) error {
	ctx := context.Background()
	db, err := database.Open(ctx, "sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := database.Migrate(ctx, db); err != nil {
		return err
	}
	now := time.Now().UTC().Format(dbTime)
	exec := func(tx bun.Tx, head string, rows []string) error {
		if len(rows) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, head+strings.Join(rows, ","))
		return err
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var rows []string
		for o := 1; o <= benchOrgs; o++ {
			rows = append(rows, fmt.Sprintf("(%d,'Bench Org %d','bench-org-%d',false,false,'%s','%s')", o, o, o, now, now))
		}
		if err := exec(tx, "INSERT INTO organizations (id,name,slug,high_value,members_see_all_tickets,created_at,updated_at) VALUES ", rows); err != nil {
			return err
		}
		rows = rows[:0]
		for a := 1; a <= benchAccounts; a++ {
			rows = append(rows, fmt.Sprintf("(%d,'cus_bench_%d',%d,'Bench Org %d','%s','%s')", a, a, (a-1)%benchOrgs+1, (a-1)%benchOrgs+1, now, now))
		}
		if err := exec(tx, "INSERT INTO billing_accounts (id,external_id,org_id,name,created_at,updated_at) VALUES ", rows); err != nil {
			return err
		}
		currencies := []string{"EUR", "USD", "JPY", "KWD"}
		statuses := []string{"paid", "paid", "paid", "open", "void", "uncollectible", "paid", "open"}
		base := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
		var inv, lines, pays []string
		flush := func() error {
			if err := exec(tx, "INSERT INTO billing_invoices (id,number,account_id,org_id,currency,status,issued_on,due_on,subtotal,tax,total,amount_paid,source,created_at,updated_at) VALUES ", inv); err != nil {
				return err
			}
			if err := exec(tx, "INSERT INTO billing_invoice_lines (invoice_id,position,description,quantity,unit_amount,tax_bp,amount,tax) VALUES ", lines); err != nil {
				return err
			}
			if err := exec(tx, "INSERT INTO billing_payments (reference,invoice_id,org_id,currency,amount,paid_on,method,source,created_at,updated_at) VALUES ", pays); err != nil {
				return err
			}
			inv, lines, pays = inv[:0], lines[:0], pays[:0]
			return nil
		}
		for i := 1; i <= benchInvoices; i++ {
			acc := (i-1)%benchAccounts + 1
			org := (acc-1)%benchOrgs + 1
			cur := currencies[(acc-1)/benchOrgs%len(currencies)]
			status := statuses[i%len(statuses)]
			issued := base.AddDate(0, 0, (i*7)%3000)
			due := issued.AddDate(0, 0, 30)
			a1, a2 := int64(10000+i%5000), int64(2500)
			t1, t2 := (a1*2000+5000)/10000, (a2*2000+5000)/10000
			sub, tax := a1+a2, t1+t2
			total := sub + tax
			p1, p2 := total/2, total-total/2
			if status != "paid" {
				p2 = -p1 / 4 // a partial refund of the first payment
			}
			paid := p1 + p2
			inv = append(inv, fmt.Sprintf("(%d,'BENCH-%07d',%d,%d,'%s','%s','%s','%s',%d,%d,%d,%d,'import','%s','%s')",
				i, i, acc, org, cur, status, issued.Format(dbTime), due.Format(dbTime), sub, tax, total, paid, now, now))
			lines = append(lines,
				fmt.Sprintf("(%d,1,'Support plan, month %d',1,%d,2000,%d,%d)", i, i%12+1, a1, a1, t1),
				fmt.Sprintf("(%d,2,'Extra seat',1,%d,2000,%d,%d)", i, a2, a2, t2))
			pays = append(pays,
				fmt.Sprintf("('PAY-%07d-1',%d,%d,'%s',%d,'%s','card','import','%s','%s')", i, i, org, cur, p1, issued.AddDate(0, 0, 10).Format(dbTime), now, now),
				fmt.Sprintf("('PAY-%07d-2',%d,%d,'%s',%d,'%s','card','import','%s','%s')", i, i, org, cur, p2, issued.AddDate(0, 0, 20).Format(dbTime), now, now))
			if len(inv) == 400 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
}

// percentile returns the p-th percentile of ds (sorted in place).
func percentile(ds []time.Duration, p float64) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(float64(len(ds)-1) * p)
	return ds[i]
}

// BenchmarkBillingPages measures, in-process through the whole app
// (session, policy, store, templates), what a customer of a 400-invoice
// organisation waits for: the billing history, an invoice page and its PDF.
// Each reports p50/p99 over b.N requests.
//
//	go test ./billing -run '^$' -bench BenchmarkBillingPages -benchtime 200x
func BenchmarkBillingPages(b *testing.B) {
	path := benchDB(b)
	a := apptest.New(b, dbtest.Backend{Name: "sqlite", URL: "sqlite://" + path, Dialect: "sqlite", DSN: path})
	ctx := context.Background()
	w := &authztest.World{App: a, Accounts: accounts.NewService(accounts.Deps{DB: a.DB, Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1}})}
	u := w.CreateUser(b, "bench@org1.example", identity.RoleCustomer, "bench-org-1")
	c := apptest.NewClient(b, a)
	w.LogIn(b, c, u)
	var number string
	if err := a.DB.NewSelect().Table("billing_invoices").Column("number").Where("org_id = 1").OrderExpr("issued_on DESC").Limit(1).Scan(ctx, &number); err != nil && err != sql.ErrNoRows {
		b.Fatal(err)
	}
	for _, page := range []struct{ name, path string }{
		{"history", "/billing"},
		{"history-filtered", "/billing?year=2020&status=paid"},
		{"invoice", "/billing/invoices/" + number},
		{"pdf", "/billing/invoices/" + number + ".pdf"},
	} {
		b.Run(page.name, func(b *testing.B) {
			if resp := c.Get(page.path); resp.StatusCode != http.StatusOK {
				b.Fatalf("GET %s: %d", page.path, resp.StatusCode)
			}
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				resp := c.Get(page.path)
				resp.Body.Close()
				ds = append(ds, time.Since(start))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", page.path, resp.StatusCode)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(percentile(ds, 0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(ds, 0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
