package accounts_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestStorePagingAndCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		for i := 0; i < accounts.PerPage+5; i++ {
			u := &accounts.User{Email: fmt.Sprintf("user%02d@x.test", i), Name: fmt.Sprintf("User_%d", i),
				Role: identity.RoleCustomer, CreatedAt: now, UpdatedAt: now}
			if i%3 == 0 {
				u.VerifiedAt = &now
			}
			if i == 0 {
				u.Role, u.DeactivatedAt = identity.RoleAgent, &now
			}
			if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		page1, more, err := accounts.NewDirectory(db).ListUsers(ctx, accounts.UserFilter{Page: 1})
		if err != nil || len(page1) != accounts.PerPage || !more {
			t.Fatalf("page 1: %d users, more %v, err %v", len(page1), more, err)
		}
		page2, more, err := accounts.NewDirectory(db).ListUsers(ctx, accounts.UserFilter{Page: 2})
		if err != nil || len(page2) != 5 || more || page2[0].Email != fmt.Sprintf("user%02d@x.test", accounts.PerPage) {
			t.Fatalf("page 2: %d users, more %v, err %v", len(page2), more, err)
		}
		// "_" is literal, not LIKE's any-character.
		got, _, err := accounts.NewDirectory(db).ListUsers(ctx, accounts.UserFilter{Q: "r_1"})
		if err != nil || len(got) != 11 { // User_1, User_10..User_19
			t.Fatalf("q=r_1: %d users (%v)", len(got), err)
		}
		got, _, _ = accounts.NewDirectory(db).ListUsers(ctx, accounts.UserFilter{Q: "er1"})
		if len(got) != 10 { // user10..user19 by email
			t.Fatalf("q=er1: %d users", len(got))
		}

		counts, err := accounts.NewDirectory(db).CountUsersByRole(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []accounts.RoleCount{
			{Role: "agent", Active: 0, Deactivated: 1, Unverified: 0},
			{Role: "customer", Active: accounts.PerPage + 4, Deactivated: 0, Unverified: 20},
		}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Fatalf("counts = %+v, want %+v", counts, want)
		}

		for i := 0; i < 3; i++ {
			if err := audit.Write(ctx, db, accounts.AuditEntry{Action: fmt.Sprintf("a.%d", i%2), ActorEmail: "Boss@x.test",
				CreatedAt: now.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		rows, _, err := accounts.NewDirectory(db).ListAudit(ctx, accounts.AuditFilter{Action: "a.0", Actor: "boss"})
		if err != nil || len(rows) != 2 || !rows[0].CreatedAt.After(rows[1].CreatedAt) {
			t.Fatalf("audit a.0 by boss: %+v (%v)", rows, err)
		}
		actions, err := accounts.NewDirectory(db).AuditActions(ctx)
		if err != nil || fmt.Sprint(actions) != "[a.0 a.1]" {
			t.Fatalf("actions = %v (%v)", actions, err)
		}
	})
}

// BenchmarkListUsersSearch measures one admin search page over 5,000
// users on SQLite (a LIKE scan: the users table has no trigram index).
func BenchmarkListUsersSearch(b *testing.B) {
	db := dbtest.Open(b, dbtest.SQLite(b))
	ctx := context.Background()
	now := time.Now().UTC()
	users := make([]accounts.User, 5000)
	for i := range users {
		users[i] = accounts.User{Email: fmt.Sprintf("user%05d@x%d.test", i, i%50), Name: fmt.Sprintf("Name %d", i),
			Role: identity.RoleCustomer, CreatedAt: now, UpdatedAt: now}
	}
	if _, err := db.NewInsert().Model(&users).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := accounts.NewDirectory(db).ListUsers(ctx, accounts.UserFilter{Q: "x7.test", Page: 2}); err != nil {
			b.Fatal(err)
		}
	}
}
