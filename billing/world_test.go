package billing_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/billing"
)

// directory is the same adapter app wires: billing asks the accounts
// service for organisations and customers.
type directory struct{ acc *accounts.Service }

func (d directory) OrgByName(ctx context.Context, name string) (billing.Owner, bool, error) {
	o, err := d.acc.OrgByName(ctx, name)
	if errors.Is(err, accounts.ErrOrgNotFound) {
		return billing.Owner{}, false, nil
	}
	if err != nil {
		return billing.Owner{}, false, err
	}
	return billing.Owner{OrgID: o.ID, Name: o.Name}, true, nil
}

func (d directory) UserByEmail(ctx context.Context, email string) (billing.Owner, bool, error) {
	u, err := d.acc.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return billing.Owner{}, false, nil
	}
	if err != nil {
		return billing.Owner{}, false, err
	}
	return billing.Owner{UserID: u.ID, Name: u.Name, Email: u.Email}, true, nil
}

func (d directory) CustomerByID(ctx context.Context, id int64) (billing.Customer, bool, error) {
	u, err := d.acc.UserByID(ctx, id)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return billing.Customer{}, false, nil
	}
	if err != nil {
		return billing.Customer{}, false, err
	}
	c := billing.Customer{ID: u.ID, Name: u.Name, Email: u.Email}
	if u.Org != nil {
		c.OrgID, c.OrgName = u.Org.ID, u.Org.Name
	}
	return c, true, nil
}

// world is a database with the organisations and customers the example
// files name.
type world struct {
	db                *bun.DB
	svc               *billing.Service
	acme, globex      int64
	carol, dave, erin int64
	zed               int64 // a customer of no organisation
	now               time.Time
}

func newWorld(t *testing.T, db *bun.DB) *world {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)
	w := &world{db: db, now: now}
	org := func(name, slug string) int64 {
		o := &accounts.Organization{Name: name, Slug: slug, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(o).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	user := func(email, name string, orgID int64, role identity.Role) int64 {
		u := &accounts.User{Email: email, Name: name, Role: role, CreatedAt: now, UpdatedAt: now, VerifiedAt: &now}
		if orgID != 0 {
			u.OrgID = &orgID
		}
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	w.acme = org("Acme Corp", "acme")
	w.globex = org("Globex", "globex")
	w.carol = user("carol@acme.example", "Carol Customer", w.acme, identity.RoleCustomer)
	w.dave = user("dave@acme.example", "Dave Customer", w.acme, identity.RoleCustomer)
	w.erin = user("erin@globex.example", "Erin Customer", w.globex, identity.RoleCustomer)
	w.zed = user("zed@example.com", "Zed Solo", 0, identity.RoleCustomer)
	w.svc = billing.NewService(billing.Deps{
		DB: db, Directory: directory{accounts.NewService(accounts.Deps{DB: db})},
		Now: func() time.Time { return w.now }, WebhookSecret: "whsec_test",
	})
	return w
}

func (w *world) importFile(t *testing.T, name string) billing.ImportReport {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := w.svc.ImportFile(context.Background(), name, f)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

func (w *world) importExamples(t *testing.T) {
	t.Helper()
	for _, n := range []string{"example-invoices.csv", "example-payments.csv", "example.json"} {
		w.importFile(t, n)
	}
}
