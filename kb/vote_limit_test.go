package kb_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Clearing the voter cookie used to make a new voter: one client could
// vote an article up without end. Anonymous first votes are limited per
// client address and article; signed-in votes are not.
func TestAnonymousVotesLimitedPerAddress(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newPortalFixture(t, b)
		path := "/kb/a/" + f.password.Slug + "/feedback"
		var limited string
		for i := 0; i < 6; i++ {
			c := apptest.NewClient(t, f.app) // a fresh cookie jar: a "new" anonymous voter
			resp := c.PostForm(path, apptest.Values("helpful", "yes"))
			page := body(t, resp)
			if i >= 3 {
				if resp.StatusCode != http.StatusTooManyRequests {
					t.Errorf("vote %d: status %d, want 429", i+1, resp.StatusCode)
				}
				limited = page
			} else if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("vote %d: status %d, want 303", i+1, resp.StatusCode)
			}
		}
		if !strings.Contains(limited, "was not added") {
			t.Errorf("the refused voter is not told why: %s", limited)
		}
		a, err := f.svc.Article(t.Context(), f.password.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.HelpfulYes != 3 {
			t.Errorf("helpful_yes = %d after 6 anonymous votes from one address, want 3", a.HelpfulYes)
		}
		// A signed-in customer on the same address still votes.
		cust := loginAs(t, f.app, identity.RoleCustomer)
		resp := cust.PostForm(path, apptest.Values("helpful", "no"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("signed-in vote: status %d", resp.StatusCode)
		}
		if a, _ = f.svc.Article(t.Context(), f.password.ID); a.HelpfulNo != 1 {
			t.Errorf("helpful_no = %d, want 1", a.HelpfulNo)
		}
	})
}
