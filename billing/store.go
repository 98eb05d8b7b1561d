package billing

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// ErrNotFound is returned for an invoice (or event) that does not exist.
var ErrNotFound = errors.New("not found")

// Scope says whose invoices a query sees: everything (staff), or one
// customer's own invoices plus their organisation's.
type Scope struct {
	All    bool
	UserID int64 // invoices billed to this customer
	OrgID  int64 // and to this organisation, when not 0
	// Drafts includes draft invoices (staff only: drafts are never shown
	// to customers).
	Drafts bool
}

// None reports whether the scope can see nothing at all.
func (s Scope) None() bool { return !s.All && s.UserID == 0 && s.OrgID == 0 }

// apply restricts q (on billing_invoices aliased as alias) to the scope.
func (s Scope) apply(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	if !s.Drafts {
		q = q.Where(alias+".status <> ?", StatusDraft)
	}
	switch {
	case s.All:
	case s.UserID != 0 && s.OrgID != 0:
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(alias+".user_id = ?", s.UserID).WhereOr(alias+".org_id = ?", s.OrgID)
		})
	case s.UserID != 0:
		q = q.Where(alias+".user_id = ?", s.UserID)
	case s.OrgID != 0:
		q = q.Where(alias+".org_id = ?", s.OrgID)
	default:
		q = q.Where("1 = 0")
	}
	return q
}

// ListFilter narrows an invoice list.
type ListFilter struct {
	Year   int    // issue year, 0 for all
	Status string // a status, "overdue", or "" for all
	Limit  int
	Cursor string // opaque, from a previous page's NextCursor
}

// StatusOverdue is the list filter for open invoices past their due date.
const StatusOverdue = "overdue"

// InvoicePage is one page of a list, newest first.
type InvoicePage struct {
	Invoices   []Invoice
	NextCursor string // "" on the last page
}

func encodeCursor(inv *Invoice) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d", inv.IssuedOn.Unix(), inv.ID)))
}

// ErrBadCursor is returned for a cursor this server did not hand out.
var ErrBadCursor = errors.New("invalid cursor")

func decodeCursor(s string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	a, c, ok := strings.Cut(string(b), ":")
	sec, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(c, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, ErrBadCursor
	}
	return time.Unix(sec, 0).UTC(), id, nil
}

func today(now time.Time) time.Time {
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// listInvoices reads one page of invoices (without lines) newest first.
func listInvoices(ctx context.Context, db bun.IDB, s Scope, f ListFilter, now time.Time) (*InvoicePage, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []Invoice
	q := db.NewSelect().Model(&out)
	q = s.apply(q, "invoice")
	if f.Year > 0 {
		start := time.Date(f.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		q = q.Where("invoice.issued_on >= ?", start).Where("invoice.issued_on < ?", start.AddDate(1, 0, 0))
	}
	switch f.Status {
	case "":
	case StatusOverdue:
		q = q.Where("invoice.status IN (?, ?)", StatusOpen, StatusUncollectible).
			Where("invoice.due_on < ?", today(now)).Where("invoice.total > invoice.amount_paid")
	default:
		q = q.Where("invoice.status = ?", f.Status)
	}
	if f.Cursor != "" {
		t, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("invoice.issued_on < ?", t).WhereOr("invoice.issued_on = ? AND invoice.id < ?", t, id)
		})
	}
	if err := q.OrderExpr("invoice.issued_on DESC, invoice.id DESC").Limit(int64(f.Limit + 1)).Scan(ctx); err != nil {
		return nil, err
	}
	page := &InvoicePage{Invoices: out}
	if len(out) > f.Limit {
		page.Invoices = out[:f.Limit]
		page.NextCursor = encodeCursor(&page.Invoices[f.Limit-1])
	}
	return page, nil
}

// invoiceByNumber loads an invoice with its lines and account.
func invoiceByNumber(ctx context.Context, db bun.IDB, number string) (*Invoice, error) {
	inv := new(Invoice)
	err := db.NewSelect().Model(inv).Relation("Account").
		Relation("Lines", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("position") }).
		Where("invoice.number = ?", number).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return inv, err
}

// paymentsOf lists an invoice's payments, oldest first.
func paymentsOf(ctx context.Context, db bun.IDB, invoiceID int64) ([]Payment, error) {
	var ps []Payment
	err := db.NewSelect().Model(&ps).Where("invoice_id = ?", invoiceID).Order("paid_on", "id").Scan(ctx)
	return ps, err
}

// listPayments lists the scope's payments newest first, with their invoice.
func listPayments(ctx context.Context, db bun.IDB, s Scope, year, limit int) ([]Payment, error) {
	var ps []Payment
	q := db.NewSelect().Model(&ps).Relation("Invoice", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Column("number", "status", "user_id", "org_id")
	})
	q = s.apply(q, "invoice")
	if year > 0 {
		start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		q = q.Where("payment.paid_on >= ?", start).Where("payment.paid_on < ?", start.AddDate(1, 0, 0))
	}
	err := q.OrderExpr("payment.paid_on DESC, payment.id DESC").Limit(int64(limit)).Scan(ctx)
	return ps, err
}

// Balance is what is owed in one currency.
type Balance struct {
	Currency string
	Due      int64 // open and uncollectible, unpaid part
	Overdue  int64 // the part of Due past its due date
	Count    int   // invoices with something due
}

// balances sums what is due per currency for the scope.
func balances(ctx context.Context, db bun.IDB, s Scope, now time.Time) ([]Balance, error) {
	var rows []struct {
		Currency string `bun:"currency"`
		Due      int64  `bun:"due"`
		Overdue  int64  `bun:"overdue"`
		Count    int    `bun:"n"`
	}
	q := db.NewSelect().Model((*Invoice)(nil)).
		ColumnExpr("invoice.currency").
		ColumnExpr("SUM(invoice.total - invoice.amount_paid) AS due").
		ColumnExpr("SUM(CASE WHEN invoice.due_on < ? THEN invoice.total - invoice.amount_paid ELSE 0 END) AS overdue", today(now)).
		ColumnExpr("COUNT(*) AS n").
		Where("invoice.status IN (?, ?)", StatusOpen, StatusUncollectible).
		Where("invoice.total > invoice.amount_paid")
	q = s.apply(q, "invoice")
	if err := q.Group("invoice.currency").Order("invoice.currency").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]Balance, 0, len(rows))
	for _, r := range rows {
		out = append(out, Balance{Currency: r.Currency, Due: r.Due, Overdue: r.Overdue, Count: r.Count})
	}
	return out, nil
}

// invoiceYears lists the issue years that have invoices in the scope,
// newest first.
func invoiceYears(ctx context.Context, db bun.IDB, s Scope) ([]int, error) {
	var bounds struct {
		Min *time.Time `bun:"lo"`
		Max *time.Time `bun:"hi"`
	}
	q := db.NewSelect().Model((*Invoice)(nil)).ColumnExpr("MIN(invoice.issued_on) AS lo, MAX(invoice.issued_on) AS hi")
	q = s.apply(q, "invoice")
	if err := q.Scan(ctx, &bounds); err != nil {
		return nil, err
	}
	if bounds.Min == nil || bounds.Max == nil {
		return nil, nil
	}
	var years []int
	for y := bounds.Max.UTC().Year(); y >= bounds.Min.UTC().Year(); y-- {
		years = append(years, y)
	}
	return years, nil
}
