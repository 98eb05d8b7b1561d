package accounts_test

import (
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestDisplayNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		named := e.signupVerified("named@example.com", "correct horse battery")
		unnamed := e.signupVerified("unnamed@example.com", "correct horse battery")
		if _, err := db.NewUpdate().Table("users").Set("name = ''").Where("id = ?", unnamed.ID).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.DisplayNames(e.ctx, []int64{named.ID, unnamed.ID, 999999})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[named.ID] != "Test User" || got[unnamed.ID] != "unnamed@example.com" {
			t.Errorf("DisplayNames = %v, want the name, the email for a user without a name, and nothing for an unknown id", got)
		}
		if got, err := e.svc.DisplayNames(e.ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("DisplayNames(nil) = %v, %v", got, err)
		}
	})
}
