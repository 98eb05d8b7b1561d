package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
)

// Owner is who a billing account belongs to: an organisation or a customer.
type Owner struct {
	OrgID  int64 // set for an organisation
	UserID int64 // set for a customer
	Name   string
	Email  string // the customer's address
}

// Customer is a user as the agent's billing view shows them.
type Customer struct {
	ID      int64
	Name    string
	Email   string
	OrgID   int64
	OrgName string
}

// Directory finds the owners that import files name (organisations by name,
// customers by email) and the customers agents look at. The accounts
// domain implements it; app wires it.
type Directory interface {
	OrgByName(ctx context.Context, name string) (Owner, bool, error)
	UserByEmail(ctx context.Context, email string) (Owner, bool, error)
	CustomerByID(ctx context.Context, id int64) (Customer, bool, error)
}

// Deps are what the billing service needs.
type Deps struct {
	DB        *bun.DB
	Directory Directory
	Log       *slog.Logger
	Now       func() time.Time
	// WebhookSecret is the Stripe endpoint signing secret (whsec_…);
	// without it the webhook answers 404.
	WebhookSecret    string
	WebhookTolerance time.Duration
}

// Service is the only writer of the billing tables.
type Service struct {
	db        *bun.DB
	dir       Directory
	log       *slog.Logger
	now       func() time.Time
	secret    string
	tolerance time.Duration
}

// NewService builds the billing service.
func NewService(d Deps) *Service {
	s := &Service{db: d.DB, dir: d.Directory, log: d.Log, now: d.Now, secret: d.WebhookSecret, tolerance: d.WebhookTolerance}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.tolerance <= 0 {
		s.tolerance = DefaultWebhookTolerance
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// Now is the service's clock (pages decide "overdue" with it).
func (s *Service) Now() time.Time { return s.clock() }

// Customer looks up a customer for the agent's view of their billing.
func (s *Service) Customer(ctx context.Context, id int64) (Customer, bool, error) {
	if s.dir == nil {
		return Customer{}, false, nil
	}
	return s.dir.CustomerByID(ctx, id)
}

// WebhookEnabled reports whether a signing secret is configured.
func (s *Service) WebhookEnabled() bool { return s.secret != "" }

// ImportReport counts what an import changed.
type ImportReport struct {
	AccountsCreated                                     int
	InvoicesCreated, InvoicesUpdated, InvoicesUnchanged int
	PaymentsCreated, PaymentsUpdated, PaymentsUnchanged int
}

func (r ImportReport) String() string {
	return fmt.Sprintf("invoices: %d created, %d updated, %d unchanged; payments: %d created, %d updated, %d unchanged; accounts created: %d",
		r.InvoicesCreated, r.InvoicesUpdated, r.InvoicesUnchanged, r.PaymentsCreated, r.PaymentsUpdated, r.PaymentsUnchanged, r.AccountsCreated)
}

// ImportFile parses and imports one file: everything or, on any problem,
// nothing (the error is a *ValidationError naming each problem).
func (s *Service) ImportFile(ctx context.Context, name string, r io.Reader) (ImportReport, error) {
	b, err := Parse(name, r)
	if err != nil {
		return ImportReport{}, err
	}
	return s.Import(ctx, b, SourceImport)
}

// Import checks b against the database (accounts exist or can be created,
// payments' invoices exist in b or the database, currencies agree) and then
// upserts it in one transaction: invoices by number, payments by
// reference. Importing the same batch twice changes nothing.
func (s *Service) Import(ctx context.Context, b *Batch, source string) (ImportReport, error) {
	var rep ImportReport
	// Owners are looked up before the transaction: the directory reads
	// through its own connection, which a transaction waiting for its turn
	// (lockWriters) must not hold up.
	owners := map[string]ownerLookup{}
	for i := range b.Invoices {
		in := &b.Invoices[i]
		key := ownerKey(in)
		if _, done := owners[key]; key == "" || done {
			continue
		}
		o, found, err := s.lookupOwner(ctx, in)
		if err != nil {
			return rep, err
		}
		owners[key] = ownerLookup{o, found}
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockWriters(ctx, tx); err != nil {
			return err
		}
		var err error
		rep, err = s.apply(ctx, tx, b, source, owners)
		return err
	})
	return rep, err
}

type ownerLookup struct {
	owner Owner
	found bool
}

// ownerKey names the owner an invoice row gives ("" for none).
func ownerKey(in *InvoiceInput) string {
	switch {
	case in.Org != "":
		return "org:" + in.Org
	case in.Email != "":
		return "email:" + in.Email
	}
	return ""
}

// writersLockKey is billing's PostgreSQL advisory lock (any constant
// distinct from the other domains').
const writersLockKey = 0x62696c6c // "bill"

// lockWriters makes billing's writers (imports, API posts, Stripe events)
// take turns until commit on PostgreSQL: two imports of one file at once
// would otherwise both find an invoice missing, and the second would fail
// on the unique number instead of finding it unchanged. SQLite
// transactions take the write lock when they begin.
func lockWriters(ctx context.Context, tx bun.IDB) error {
	if !database.IsPostgres(tx) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", writersLockKey); err != nil {
		return fmt.Errorf("billing: lock writers: %w", err)
	}
	return nil
}

// pendingAccount is an account the batch uses, existing or to create.
type pendingAccount struct {
	acc   *Account
	isNew bool
}

func (s *Service) apply(ctx context.Context, tx bun.IDB, b *Batch, source string, owners map[string]ownerLookup) (ImportReport, error) {
	var rep ImportReport
	var ps problems
	now := s.clock()

	// 1. Accounts.
	accounts := map[string]*pendingAccount{}
	for i := range b.Invoices {
		in := &b.Invoices[i]
		where := in.At.Field("account")
		pa, ok := accounts[in.Account]
		if !ok {
			acc := new(Account)
			err := tx.NewSelect().Model(acc).Where("external_id = ?", in.Account).Scan(ctx)
			switch {
			case err == nil:
				pa = &pendingAccount{acc: acc}
			case errors.Is(err, sql.ErrNoRows):
				if in.Org == "" && in.Email == "" {
					ps.add(where, "billing account %q does not exist: name its org or email on this row to create it", in.Account)
					continue
				}
				pa = &pendingAccount{acc: &Account{ExternalID: in.Account, CreatedAt: now, UpdatedAt: now}, isNew: true}
			default:
				return rep, err
			}
			accounts[in.Account] = pa
		}
		if in.Org == "" && in.Email == "" {
			continue
		}
		ol := owners[ownerKey(in)]
		owner, found := ol.owner, ol.found
		if !found {
			if in.Org != "" {
				ps.add(in.At.Field("org"), "no organisation is called %q", in.Org)
			} else {
				ps.add(in.At.Field("email"), "no customer has the address %q", in.Email)
			}
			continue
		}
		acc := pa.acc
		if pa.isNew && acc.OrgID == nil && acc.UserID == nil {
			setOwner(acc, owner)
			continue
		}
		if !sameOwner(acc, owner) {
			ps.add(where, "billing account %q belongs to someone else than %s", in.Account, ownerName(in))
		}
	}
	for ext, pa := range accounts {
		if pa.isNew && pa.acc.OrgID == nil && pa.acc.UserID == nil {
			delete(accounts, ext) // its owner was not found: already a problem
		}
	}

	// 2. Invoice numbers are told apart regardless of case (a customer
	// reading INV-7 and inv-7 cannot): a new number must not be an existing
	// one in other letters.
	for i := range b.Invoices {
		in := &b.Invoices[i]
		var twin []string
		if err := tx.NewSelect().Model((*Invoice)(nil)).Column("number").
			Where("LOWER(number) = LOWER(?)", in.Number).Where("number <> ?", in.Number).Limit(1).
			Scan(ctx, &twin); err != nil {
			return rep, err
		}
		if len(twin) > 0 {
			ps.add(in.At.Field("number"), "invoice %s exists already as %s (numbers differ only in case)", in.Number, twin[0])
		}
	}

	// 3. Invoices that payments refer to.
	inBatch := map[string]*InvoiceInput{}
	for i := range b.Invoices {
		inBatch[b.Invoices[i].Number] = &b.Invoices[i]
	}
	existing := map[string]*Invoice{}
	loadInvoice := func(number string) (*Invoice, error) {
		if inv, ok := existing[number]; ok {
			return inv, nil
		}
		inv, err := invoiceByNumber(ctx, tx, number)
		if errors.Is(err, ErrNotFound) {
			existing[number] = nil
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		existing[number] = inv
		return inv, nil
	}
	for _, p := range b.Payments {
		cur := ""
		if in, ok := inBatch[p.Invoice]; ok {
			cur = in.Currency
		} else {
			inv, err := loadInvoice(p.Invoice)
			if err != nil {
				return rep, err
			}
			if inv == nil {
				ps.add(p.At.Field("invoice"), "invoice %q does not exist", p.Invoice)
				continue
			}
			cur = inv.Currency
		}
		if cur != p.Currency && p.Currency != "" {
			ps.add(p.At.Field("currency"), "%s, but invoice %s is in %s", p.Currency, p.Invoice, cur)
		}
		var other Payment
		err := tx.NewSelect().Model(&other).Relation("Invoice", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number") }).
			Where("payment.reference = ?", p.Reference).Scan(ctx)
		if err == nil && other.Invoice != nil && other.Invoice.Number != p.Invoice {
			ps.add(p.At.Field("reference"), "payment %s is already recorded for invoice %s", p.Reference, other.Invoice.Number)
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return rep, err
		}
	}
	if err := ps.err(); err != nil {
		return rep, err
	}

	// 4. Write.
	for _, pa := range accounts {
		if !pa.isNew {
			continue
		}
		if _, err := tx.NewInsert().Model(pa.acc).Exec(ctx); err != nil {
			return rep, fmt.Errorf("create billing account %s: %w", pa.acc.ExternalID, err)
		}
		rep.AccountsCreated++
	}
	touched := map[int64]bool{}
	ids := map[string]int64{}
	for i := range b.Invoices {
		in := &b.Invoices[i]
		pa := accounts[in.Account]
		inv, err := loadInvoice(in.Number)
		if err != nil {
			return rep, err
		}
		id, changed, created, err := upsertInvoice(ctx, tx, inv, in, pa.acc, source, now)
		if err != nil {
			return rep, fmt.Errorf("%s: invoice %s: %w", in.At.Field(""), in.Number, err)
		}
		ids[in.Number] = id
		switch {
		case created:
			rep.InvoicesCreated++
		case changed:
			rep.InvoicesUpdated++
		default:
			rep.InvoicesUnchanged++
		}
		if changed {
			touched[id] = true
		}
	}
	for _, p := range b.Payments {
		id, ok := ids[p.Invoice]
		if !ok {
			id = existing[p.Invoice].ID
		}
		changed, created, err := upsertPayment(ctx, tx, id, p, source, now)
		if err != nil {
			return rep, fmt.Errorf("%s: payment %s: %w", p.At.Field(""), p.Reference, err)
		}
		switch {
		case created:
			rep.PaymentsCreated++
		case changed:
			rep.PaymentsUpdated++
		default:
			rep.PaymentsUnchanged++
		}
		if changed {
			touched[id] = true
		}
	}
	for id := range touched {
		if err := refreshPaid(ctx, tx, id); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (s *Service) lookupOwner(ctx context.Context, in *InvoiceInput) (Owner, bool, error) {
	if s.dir == nil {
		return Owner{}, false, errors.New("billing: no directory to look up owners")
	}
	if in.Org != "" {
		return s.dir.OrgByName(ctx, in.Org)
	}
	return s.dir.UserByEmail(ctx, in.Email)
}

func ownerName(in *InvoiceInput) string {
	if in.Org != "" {
		return fmt.Sprintf("organisation %q", in.Org)
	}
	return fmt.Sprintf("customer %q", in.Email)
}

func setOwner(acc *Account, o Owner) {
	if o.OrgID != 0 {
		acc.OrgID = &o.OrgID
		acc.Name = o.Name
		return
	}
	acc.UserID = &o.UserID
	acc.Name = o.Name
	if o.Email != "" {
		if acc.Name == "" {
			acc.Name = o.Email
		} else {
			acc.Name += " <" + o.Email + ">"
		}
	}
}

func sameOwner(acc *Account, o Owner) bool {
	if o.OrgID != 0 {
		return acc.OrgID != nil && *acc.OrgID == o.OrgID
	}
	return acc.UserID != nil && *acc.UserID == o.UserID
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// upsertInvoice creates or updates one invoice and replaces its lines when
// they changed. It reports the id and whether anything was written.
func upsertInvoice(ctx context.Context, tx bun.IDB, old *Invoice, in *InvoiceInput, acc *Account, source string, now time.Time) (id int64, changed, created bool, err error) {
	inv := &Invoice{
		Number: in.Number, AccountID: acc.ID, OrgID: acc.OrgID, UserID: acc.UserID,
		Currency: in.Currency, Status: in.Status, IssuedOn: in.Issued, DueOn: in.Due,
		Subtotal: in.Subtotal, Tax: in.Tax, Total: in.Total, Source: source, CreatedAt: now, UpdatedAt: now,
	}
	if in.ExternalID != "" {
		ext := in.ExternalID
		inv.ExternalID = &ext
	}
	lines := make([]InvoiceLine, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = InvoiceLine{Position: i + 1, Description: l.Description, Quantity: l.Quantity, UnitAmount: l.UnitAmount,
			TaxBP: l.TaxBP, Amount: l.Amount, Tax: l.Tax}
	}
	if old == nil {
		if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
			return 0, false, false, err
		}
		for i := range lines {
			lines[i].InvoiceID = inv.ID
		}
		if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
			return 0, false, false, err
		}
		return inv.ID, true, true, nil
	}
	if inv.ExternalID == nil {
		inv.ExternalID = old.ExternalID
	}
	sameHead := old.Number == inv.Number && old.AccountID == inv.AccountID && old.Currency == inv.Currency && old.Status == inv.Status &&
		old.IssuedOn.Equal(inv.IssuedOn) && sameDate(old.DueOn, inv.DueOn) && old.Subtotal == inv.Subtotal &&
		old.Tax == inv.Tax && old.Total == inv.Total && (old.ExternalID == nil) == (inv.ExternalID == nil) &&
		(old.ExternalID == nil || *old.ExternalID == *inv.ExternalID)
	sameLines := len(old.Lines) == len(lines)
	for i := 0; sameLines && i < len(lines); i++ {
		o, n := old.Lines[i], lines[i]
		sameLines = o.Description == n.Description && o.Quantity == n.Quantity && o.UnitAmount == n.UnitAmount &&
			o.TaxBP == n.TaxBP && o.Amount == n.Amount && o.Tax == n.Tax
	}
	if sameHead && sameLines {
		return old.ID, false, false, nil
	}
	inv.ID, inv.CreatedAt, inv.AmountPaid = old.ID, old.CreatedAt, old.AmountPaid
	if _, err := tx.NewUpdate().Model(inv).
		Column("number", "external_id", "account_id", "org_id", "user_id", "currency", "status", "issued_on", "due_on",
			"subtotal", "tax", "total", "source", "updated_at").WherePK().Exec(ctx); err != nil {
		return 0, false, false, err
	}
	if !sameLines {
		if _, err := tx.NewDelete().Model((*InvoiceLine)(nil)).Where("invoice_id = ?", inv.ID).Exec(ctx); err != nil {
			return 0, false, false, err
		}
		for i := range lines {
			lines[i].InvoiceID = inv.ID
		}
		if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
			return 0, false, false, err
		}
	}
	return inv.ID, true, false, nil
}

// upsertPayment creates or updates a payment by reference.
func upsertPayment(ctx context.Context, tx bun.IDB, invoiceID int64, p PaymentInput, source string, now time.Time) (changed, created bool, err error) {
	old := new(Payment)
	err = tx.NewSelect().Model(old).Where("reference = ?", p.Reference).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		_, err := tx.NewInsert().Model(&Payment{Reference: p.Reference, InvoiceID: invoiceID, Currency: p.Currency,
			Amount: p.Amount, PaidOn: p.Date, Method: p.Method, Source: source, CreatedAt: now, UpdatedAt: now}).Exec(ctx)
		return err == nil, err == nil, err
	}
	if err != nil {
		return false, false, err
	}
	if old.InvoiceID == invoiceID && old.Currency == p.Currency && old.Amount == p.Amount && old.PaidOn.Equal(p.Date) && old.Method == p.Method {
		return false, false, nil
	}
	_, err = tx.NewUpdate().Model((*Payment)(nil)).
		Set("invoice_id = ?", invoiceID).Set("currency = ?", p.Currency).Set("amount = ?", p.Amount).
		Set("paid_on = ?", p.Date).Set("method = ?", p.Method).Set("updated_at = ?", now).
		Where("id = ?", old.ID).Exec(ctx)
	if err == nil && old.InvoiceID != invoiceID {
		err = refreshPaid(ctx, tx, old.InvoiceID)
	}
	return err == nil, false, err
}

// refreshPaid recomputes an invoice's amount_paid from its payments and
// copies the invoice's owner onto its payments (the payment lists read
// them by owner). Every write of an invoice or payment ends with it.
func refreshPaid(ctx context.Context, tx bun.IDB, invoiceID int64) error {
	sum := tx.NewSelect().Model((*Payment)(nil)).ColumnExpr("COALESCE(SUM(amount), 0)").Where("invoice_id = ?", invoiceID)
	if _, err := tx.NewUpdate().Model((*Invoice)(nil)).Set("amount_paid = (?)", sum).Where("id = ?", invoiceID).Exec(ctx); err != nil {
		return err
	}
	owner := func(col string) *bun.SelectQuery {
		return tx.NewSelect().Model((*Invoice)(nil)).Column(col).Where("id = ?", invoiceID)
	}
	_, err := tx.NewUpdate().Model((*Payment)(nil)).
		Set("org_id = (?)", owner("org_id")).Set("user_id = (?)", owner("user_id")).
		Where("invoice_id = ?", invoiceID).Exec(ctx)
	return err
}

// ListInvoices returns one page of the scope's invoices, newest first.
func (s *Service) ListInvoices(ctx context.Context, sc Scope, f ListFilter) (*InvoicePage, error) {
	if sc.None() {
		return &InvoicePage{}, nil
	}
	return listInvoices(ctx, s.db, sc, f, s.clock())
}

// Invoice loads one invoice with its lines, account and payments. Whether
// the asking user may see it is the caller's question (accounts/policy).
func (s *Service) Invoice(ctx context.Context, number string) (*Invoice, []Payment, error) {
	inv, err := invoiceByNumber(ctx, s.db, number)
	if err != nil {
		return nil, nil, err
	}
	ps, err := paymentsOf(ctx, s.db, inv.ID)
	return inv, ps, err
}

// Payments lists the scope's latest payments and refunds (year 0: all).
func (s *Service) Payments(ctx context.Context, sc Scope, year, limit int) ([]Payment, error) {
	if sc.None() {
		return nil, nil
	}
	return listPayments(ctx, s.db, sc, year, limit)
}

// Balances sums what the scope owes per currency.
func (s *Service) Balances(ctx context.Context, sc Scope) ([]Balance, error) {
	if sc.None() {
		return nil, nil
	}
	return balances(ctx, s.db, sc, s.clock())
}

// Years lists the issue years of the scope's invoices, newest first.
func (s *Service) Years(ctx context.Context, sc Scope) ([]int, error) {
	if sc.None() {
		return nil, nil
	}
	return invoiceYears(ctx, s.db, sc)
}

// Summary is a customer's billing at a glance, for the agent's ticket
// sidebar.
type Summary struct {
	UserID, OrgID int64
	Balances      []Balance // open and overdue per currency
	Recent        []Invoice // the last few invoices
	LastPayment   *Payment  // with its Invoice (number)
	Now           time.Time
}

// Empty reports whether the customer has no billing history at all.
func (s *Summary) Empty() bool { return len(s.Recent) == 0 && s.LastPayment == nil }

// Summary returns the billing summary of a customer (their own invoices and
// their organisation's; orgID 0 for none). Drafts are left out.
func (s *Service) Summary(ctx context.Context, userID, orgID int64) (*Summary, error) {
	sc := Scope{UserID: userID, OrgID: orgID}
	out := &Summary{UserID: userID, OrgID: orgID, Now: s.clock()}
	if sc.None() {
		return out, nil
	}
	var err error
	if out.Balances, err = s.Balances(ctx, sc); err != nil {
		return nil, err
	}
	page, err := s.ListInvoices(ctx, sc, ListFilter{Limit: 5})
	if err != nil {
		return nil, err
	}
	out.Recent = page.Invoices
	ps, err := s.Payments(ctx, sc, 0, 1)
	if err != nil {
		return nil, err
	}
	if len(ps) > 0 {
		out.LastPayment = &ps[0]
	}
	return out, nil
}

// Events lists received webhook events with the given outcome (all when
// ""), newest first.
func (s *Service) Events(ctx context.Context, outcome string, limit int) ([]WebhookEvent, error) {
	var evs []WebhookEvent
	q := s.db.NewSelect().Model(&evs).ExcludeColumn("payload")
	if outcome != "" {
		q = q.Where("outcome = ?", outcome)
	}
	err := q.Order("received_at DESC", "id DESC").Limit(int64(limit)).Scan(ctx)
	return evs, err
}

// trimDetail keeps stored event details short.
func trimDetail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1000 {
		s = s[:1000] + "…"
	}
	return s
}
