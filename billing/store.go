package billing

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
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

// owner is one index range of a scope: invoices (or payments) whose
// owner column (user_id or org_id) holds id.
type owner struct {
	col string
	id  int64
}

// owners lists the scope's owner ranges: the customer's own and their
// organisation's. Lists read each in index order and merge them (an OR of
// the two would make the database sort every invoice of the organisation
// for each page). Not for All scopes.
func (s Scope) owners() []owner {
	var out []owner
	if s.UserID != 0 {
		out = append(out, owner{"user_id", s.UserID})
	}
	if s.OrgID != 0 {
		out = append(out, owner{"org_id", s.OrgID})
	}
	return out
}

// segments runs fn once per owner range of the scope (once, unrestricted,
// for an All scope), each with a query restricted to that range on the
// table aliased as alias; drafts are left out unless the scope has them.
func (s Scope) segments(alias string, fn func(restrict func(*bun.SelectQuery) *bun.SelectQuery) error) error {
	draft := func(q *bun.SelectQuery) *bun.SelectQuery {
		if !s.Drafts {
			q = q.Where("invoice.status <> ?", StatusDraft)
		}
		return q
	}
	if s.All {
		return fn(draft)
	}
	for _, o := range s.owners() {
		o := o
		if err := fn(func(q *bun.SelectQuery) *bun.SelectQuery {
			return draft(q.Where("?.? = ?", bun.Ident(alias), bun.Ident(o.col), o.id))
		}); err != nil {
			return err
		}
	}
	return nil
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

// newer orders invoices newest first: by issue date, then id.
func newer(a, b *Invoice) bool {
	if !a.IssuedOn.Equal(b.IssuedOn) {
		return a.IssuedOn.After(b.IssuedOn)
	}
	return a.ID > b.ID
}

// listInvoices reads one page of invoices (without lines) newest first:
// limit+1 rows of each owner range in index order, merged.
func listInvoices(ctx context.Context, db bun.IDB, s Scope, f ListFilter, now time.Time) (*InvoicePage, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var after struct {
		t  time.Time
		id int64
	}
	if f.Cursor != "" {
		var err error
		if after.t, after.id, err = decodeCursor(f.Cursor); err != nil {
			return nil, err
		}
	}
	var out []Invoice
	err := s.segments("invoice", func(restrict func(*bun.SelectQuery) *bun.SelectQuery) error {
		var seg []Invoice
		q := restrict(db.NewSelect().Model(&seg))
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
			q = q.Where("(invoice.issued_on, invoice.id) < (?, ?)", after.t, after.id)
		}
		if err := q.OrderExpr("invoice.issued_on DESC, invoice.id DESC").Limit(int64(f.Limit + 1)).Scan(ctx); err != nil {
			return err
		}
		out = mergeNewest(out, seg, f.Limit+1, func(a, b *Invoice) bool { return newer(a, b) }, func(i *Invoice) int64 { return i.ID })
		return nil
	})
	if err != nil {
		return nil, err
	}
	page := &InvoicePage{Invoices: out}
	if len(out) > f.Limit {
		page.Invoices = out[:f.Limit]
		page.NextCursor = encodeCursor(&page.Invoices[f.Limit-1])
	}
	return page, nil
}

// mergeNewest merges two lists sorted by before (each newest first) into
// one of at most limit, dropping rows of b whose id a has.
func mergeNewest[T any](a, b []T, limit int, before func(x, y *T) bool, id func(*T) int64) []T {
	if len(a) == 0 {
		if len(b) > limit {
			b = b[:limit]
		}
		return b
	}
	seen := make(map[int64]bool, len(a))
	for i := range a {
		seen[id(&a[i])] = true
	}
	out := make([]T, 0, min(limit, len(a)+len(b)))
	i, j := 0, 0
	for len(out) < limit && (i < len(a) || j < len(b)) {
		switch {
		case j < len(b) && seen[id(&b[j])]:
			j++
		case j >= len(b) || i < len(a) && before(&a[i], &b[j]):
			out = append(out, a[i])
			i++
		default:
			out = append(out, b[j])
			j++
		}
	}
	return out
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

// listPayments lists the scope's payments newest first, with their
// invoice: limit rows of each owner range (payments copy their invoice's
// owner) in index order, merged.
func listPayments(ctx context.Context, db bun.IDB, s Scope, year, limit int) ([]Payment, error) {
	var out []Payment
	err := s.segments("payment", func(restrict func(*bun.SelectQuery) *bun.SelectQuery) error {
		var seg []Payment
		q := db.NewSelect().Model(&seg).Relation("Invoice", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Column("number", "status", "user_id", "org_id")
		})
		q = restrict(q)
		if year > 0 {
			start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
			q = q.Where("payment.paid_on >= ?", start).Where("payment.paid_on < ?", start.AddDate(1, 0, 0))
		}
		if err := q.OrderExpr("payment.paid_on DESC, payment.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
			return err
		}
		out = mergeNewest(out, seg, limit, func(a, b *Payment) bool {
			if !a.PaidOn.Equal(b.PaidOn) {
				return a.PaidOn.After(b.PaidOn)
			}
			return a.ID > b.ID
		}, func(p *Payment) int64 { return p.ID })
		return nil
	})
	return out, err
}

// Balance is what is owed in one currency.
type Balance struct {
	Currency string
	Due      int64 // open and uncollectible, unpaid part
	Overdue  int64 // the part of Due past its due date
	Count    int   // invoices with something due
}

// dueWhere selects the invoices with something due. It is the WHERE clause
// of the partial indexes billing_invoices_org_due and _user_due (migration
// 0031), written the same way so that SQLite uses them: keep them equal.
const dueWhere = "invoice.status IN ('open', 'uncollectible') AND invoice.total > invoice.amount_paid"

// balances sums what is due per currency for the scope: per owner range,
// from the partial index alone, then added up.
func balances(ctx context.Context, db bun.IDB, s Scope, now time.Time) ([]Balance, error) {
	byCur := map[string]*Balance{}
	err := s.segments("invoice", func(restrict func(*bun.SelectQuery) *bun.SelectQuery) error {
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
			Where(dueWhere)
		q = restrict(q) // (drafts are never due anyway)
		if err := q.Group("invoice.currency").Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			b := byCur[r.Currency]
			if b == nil {
				b = &Balance{Currency: r.Currency}
				byCur[r.Currency] = b
			}
			b.Due += r.Due
			b.Overdue += r.Overdue
			b.Count += r.Count
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Balance, 0, len(byCur))
	for _, b := range byCur {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}

// invoiceYears lists the issue years from the scope's first invoice to its
// last, newest first: the ends of each owner range, read from the index.
func invoiceYears(ctx context.Context, db bun.IDB, s Scope) ([]int, error) {
	var lo, hi time.Time
	err := s.segments("invoice", func(restrict func(*bun.SelectQuery) *bun.SelectQuery) error {
		for _, dir := range []string{"ASC", "DESC"} {
			var t []time.Time
			q := restrict(db.NewSelect().Model((*Invoice)(nil)).Column("invoice.issued_on"))
			if err := q.OrderExpr("invoice.issued_on "+dir).Limit(1).Scan(ctx, &t); err != nil {
				return err
			}
			if len(t) == 0 {
				return nil
			}
			if lo.IsZero() || t[0].Before(lo) {
				lo = t[0]
			}
			if t[0].After(hi) {
				hi = t[0]
			}
		}
		return nil
	})
	if err != nil || lo.IsZero() {
		return nil, err
	}
	var years []int
	for y := hi.UTC().Year(); y >= lo.UTC().Year(); y-- {
		years = append(years, y)
	}
	return years, nil
}
