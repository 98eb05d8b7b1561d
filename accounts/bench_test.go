package accounts_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// BenchmarkSessionIdentity measures what the identity middleware costs a
// logged-in request: one indexed lookup of the session and its user (the
// last-seen write happens at most once a minute, so not here).
func BenchmarkSessionIdentity(b *testing.B) {
	db := dbtest.Open(b, dbtest.SQLite(b))
	ctx := context.Background()
	svc := accounts.NewService(accounts.Deps{DB: db, Argon2: fastArgon})
	u, err := svc.CreateUser(ctx, accounts.CreateUserInput{Email: "bench@example.com", Password: "a long password!", Role: identity.RoleCustomer})
	if err != nil {
		b.Fatal(err)
	}
	secret, _, err := svc.CreateSession(ctx, u, false, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		id, err := svc.SessionIdentity(ctx, secret)
		if err != nil || id == nil {
			b.Fatal(id, err)
		}
	}
}
