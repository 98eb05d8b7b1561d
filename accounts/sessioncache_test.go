package accounts_test

import (
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Session lookups are kept for a moment (sessioncache.go); every change
// made through this process's accounts code must still show in the very
// next lookup.
func TestCachedSessionsFollowChangesAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u := e.signupVerified("cache@example.com", "cache's long password")
		secret, _, _ := e.svc.CreateSession(e.ctx, u, false, "one", "192.0.2.1")
		other, _, _ := e.svc.CreateSession(e.ctx, u, false, "two", "192.0.2.1")
		look := func(s string) *identity.Identity {
			t.Helper()
			id, err := e.svc.SessionIdentity(e.ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		for i := 0; i < 2; i++ { // the second from memory
			if id := look(secret); id == nil || id.UserID != u.ID {
				t.Fatalf("lookup %d: %+v", i, id)
			}
		}
		if err := e.svc.UpdateProfile(e.ctx, u.ID, accounts.ProfileInput{Name: "Renamed Person"}); err != nil {
			t.Fatal(err)
		}
		if id := look(secret); id == nil || id.Name != "Renamed Person" {
			t.Fatalf("renamed: %+v", id)
		}
		dir := accounts.NewDirectory(db)
		if err := dir.SetRole(e.ctx, u.ID, identity.RoleAgent, audit.Entry{Action: "user.role_change", TargetType: "user", TargetID: &u.ID, CreatedAt: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if id := look(secret); id == nil || id.Role != identity.RoleAgent {
			t.Fatalf("role change: %+v", id)
		}
		look(other)
		if _, err := e.svc.EndOtherSessions(e.ctx, db, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		if look(secret) != nil || look(other) != nil {
			t.Fatal("ended sessions still resolve")
		}
	})
}
