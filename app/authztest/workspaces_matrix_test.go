package authztest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/workspaces"
)

// wsNeed is what a workspace route asks policy for.
type wsNeed int

const (
	wsView    wsNeed = iota // policy.ViewWorkspace / ContributeWorkspace: members, link holders, the team, admins
	wsDeliver               // policy.DeliverWorkspace / ManageWorkspace: the team, admins
	wsAudit                 // policy.ExportWorkspaceAudit: admins
)

// wsRoutes are the routes inside one workspace (/w/:slug/...), each with
// what it needs. They become lines of the main matrix (customer A is a
// member, the agent on the team) and are run again by
// TestWorkspaceAuthorization against the workspace's own cast.
var wsRoutes = []struct {
	route string
	need  wsNeed
	args  string
}{
	{"GET /w/:slug", wsView, "slug=ws.slug"},
	{"GET /w/:slug/theme.css", wsView, "slug=ws.slug"},
	{"GET /w/:slug/logo", wsView, "slug=ws.slug"},
	{"GET /w/:slug/folders/:fid<int>", wsView, "slug=ws.slug fid=ws.folder"},
	{"POST /w/:slug/folders", wsView, "slug=ws.slug"},
	{"POST /w/:slug/upload", wsView, "slug=ws.slug"},
	{"GET /w/:slug/files/:id<int>", wsView, "slug=ws.slug id=ws.file"},
	{"GET /w/:slug/files/:id<int>/v/:n<int>/raw", wsView, "slug=ws.slug id=ws.file n=ws.version"},
	{"GET /w/:slug/files/:id<int>/v/:n<int>/download", wsView, "slug=ws.slug id=ws.file n=ws.version"},
	{"POST /w/:slug/files/:id<int>/comments", wsView, "slug=ws.slug id=ws.file"},
	{"POST /w/:slug/approvals/:aid<int>/decide", wsView, "slug=ws.slug aid=ws.approval"},
	{"POST /w/:slug/tasks/:tid<int>/done", wsView, "slug=ws.slug tid=ws.task"},
	{"POST /w/:slug/messages", wsView, "slug=ws.slug"},
	{"POST /w/:slug/files/:id<int>/delete", wsDeliver, "slug=ws.slug id=new.ws.file"},
	{"POST /w/:slug/files/:id<int>/approvals", wsDeliver, "slug=ws.slug id=ws.file"},
	{"POST /w/:slug/tasks", wsDeliver, "slug=ws.slug"},
	{"POST /w/:slug/messages/:mid<int>/ticket", wsDeliver, "slug=ws.slug mid=ws.message"},
	{"GET /w/:slug/activity", wsDeliver, "slug=ws.slug"},
	{"GET /w/:slug/settings", wsDeliver, "slug=ws.slug"},
	{"POST /w/:slug/settings", wsDeliver, "slug=ws.slug"},
	{"POST /w/:slug/logo", wsDeliver, "slug=ws.slug"},
	{"POST /w/:slug/people", wsDeliver, "slug=ws.slug"},
	{"POST /w/:slug/people/:uid<int>/remove", wsDeliver, "slug=ws.slug uid=new.ws.member"},
	{"POST /w/:slug/links", wsDeliver, "slug=ws.slug"},
	{"POST /w/:slug/links/:lid<int>/rotate", wsDeliver, "slug=ws.slug lid=new.ws.link"},
	{"POST /w/:slug/links/:lid<int>/revoke", wsDeliver, "slug=ws.slug lid=new.ws.link"},
	{"GET /w/:slug/activity.csv", wsAudit, "slug=ws.slug"},
}

func init() {
	for _, r := range wsRoutes {
		allow := map[wsNeed]who{wsView: custA | agent | admin, wsDeliver: agent | admin, wsAudit: admin}[r.need]
		matrix = append(matrix, rule{r.route, allow, r.args})
	}
	matrix = append(matrix,
		// Private links: a good token opens the workspace for anyone; a
		// revoked, expired or rotated-away one is 404 for everyone.
		rule{"GET /w/link/:token", everyone, "token=ws.link.valid"},
		rule{"GET /w/link/:token", hidden, "token=ws.link.revoked"},
		rule{"GET /w/link/:token", hidden, "token=ws.link.expired"},
		rule{"GET /w/link/:token", hidden, "token=ws.link.rotated"},
		rule{"POST /w/link/:token/code", everyone, "token=new.ws.codelink"},
		rule{"POST /w/link/:token/code", hidden, "token=ws.link.revoked"},
		rule{"POST /w/link/:token/verify", everyone, "token=new.ws.codelink"},
		rule{"POST /w/link/:token/verify", hidden, "token=ws.link.rotated"},
		// Staff pages.
		rule{"GET /agent/workspaces", staff, ""},
		rule{"POST /agent/workspaces", staff, ""},
		rule{"GET /admin/workspaces/onboarding", admin, ""},
		rule{"POST /admin/workspaces/onboarding", admin, ""},
		rule{"POST /admin/workspaces/onboarding/:id<int>/delete", admin, "id=new.ws.checklist"},
	)
}

// TestWorkspaceAuthorization runs every workspace route against the
// workspace's own cast: its member, a customer of the same organisation
// who is not a member, a customer of another organisation, an unverified
// member, holders of a valid, revoked, expired and rotated link, an agent
// on the account team, an agent outside it, an admin and an anonymous
// visitor. Denials are 404 (a dead link's holder too, at once); an
// anonymous visitor without a link is sent to log in.
func TestWorkspaceAuthorization(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		w := NewWorld(t, a)
		fx := w.Workspace
		nonMember := w.CreateUser(t, "colleague@a.test", "customer", "org-a")
		offTeam := w.CreateUser(t, "other-agent@frontdesk.test", "agent", "")

		userClient := func(name string) func(t *testing.T) *apptest.Client {
			return func(t *testing.T) *apptest.Client { return w.Client(t, name) }
		}
		as := func(email string) func(t *testing.T) *apptest.Client {
			return func(t *testing.T) *apptest.Client {
				c := apptest.NewClient(t, a)
				u, err := w.Accounts.UserByEmail(t.Context(), email)
				if err != nil {
					t.Fatal(err)
				}
				w.LogIn(t, c, u)
				return c
			}
		}
		// holder opens token in a new browser; with after set, the link is
		// revoked/rotated/expired after the browser got in (the grant it
		// holds must die with the link).
		holder := func(token string) func(t *testing.T) *apptest.Client {
			return func(t *testing.T) *apptest.Client {
				c := apptest.NewClient(t, a)
				resp := c.Get("/w/link/" + token)
				resp.Body.Close()
				return c
			}
		}
		// A browser that got in through a link which then died.
		diedAfter := func(kill func(t *testing.T, l *workspaces.Link)) func(t *testing.T) *apptest.Client {
			return func(t *testing.T) *apptest.Client {
				tok, l, err := a.Workspaces.CreateLink(t.Context(), w.TeamActor(), fx.WS, workspaces.LinkInput{Name: "dies"})
				if err != nil {
					t.Fatal(err)
				}
				c := apptest.NewClient(t, a)
				resp := c.Get("/w/link/" + tok)
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther || c.Cookie(workspaces.LinkCookie) == "" {
					t.Fatalf("link did not open: %d", resp.StatusCode)
				}
				kill(t, l)
				return c
			}
		}
		revoke := func(t *testing.T, l *workspaces.Link) {
			if err := a.Workspaces.RevokeLink(t.Context(), w.TeamActor(), fx.WS, l.ID); err != nil {
				t.Fatal(err)
			}
		}
		rotate := func(t *testing.T, l *workspaces.Link) {
			if _, err := a.Workspaces.RotateLink(t.Context(), w.TeamActor(), fx.WS, l.ID); err != nil {
				t.Fatal(err)
			}
		}
		expire := func(t *testing.T, l *workspaces.Link) {
			if _, err := a.DB.NewUpdate().Model(l).Set("expires_at = ?", l.CreatedAt.Add(-1)).WherePK().Exec(t.Context()); err != nil {
				t.Fatal(err)
			}
		}

		cast := []struct {
			name  string
			login func(t *testing.T) *apptest.Client
			can   wsNeed // the most it may do; -1 nothing
			anon  bool   // denied as an anonymous visitor (login), not 404
		}{
			{"member", userClient(CustomerA), wsView, false},
			{"unverified member", userClient(Unverified), -1, false},
			{"same org, not a member", as(nonMember.Email), -1, false},
			{"other customer", userClient(CustomerB), -1, false},
			{"link holder", holder(fx.LinkValid), wsView, false},
			{"rotated link's new token", holder(fx.LinkRotatedNew), wsView, false},
			{"revoked link", holder(fx.LinkRevoked), -1, true},
			{"expired link", holder(fx.LinkExpired), -1, true},
			{"rotated link's old token", holder(fx.LinkRotatedOld), -1, true},
			{"browser of a link revoked since", diedAfter(revoke), -1, false},
			{"browser of a link rotated since", diedAfter(rotate), -1, false},
			{"browser of a link expired since", diedAfter(expire), -1, false},
			{"agent on the team", userClient(Agent), wsAudit - 1, false},
			{"agent outside the team", as(offTeam.Email), -1, false},
			{"admin", userClient(Admin), wsAudit, false},
			{"anonymous", userClient(Anonymous), -1, true},
		}
		for _, who := range cast {
			c := who.login(t)
			for _, r := range wsRoutes {
				method, path, _ := strings.Cut(r.route, " ")
				target, err := fillPath(t, path, r.args, w)
				if err != nil {
					t.Fatal(err)
				}
				status, loc := sendAs(t, c, method, target)
				allowed := who.can >= r.need && who.can >= 0
				where := who.name + ": " + r.route + " (" + target + ")"
				toLogin := status == http.StatusSeeOther && strings.HasPrefix(loc, "/login") || status == http.StatusUnauthorized
				switch {
				case status >= 500 || status == http.StatusForbidden:
					t.Errorf("%s: status %d", where, status)
				case allowed:
					if status == http.StatusNotFound || toLogin {
						t.Errorf("%s: want allowed, got %d %s", where, status, loc)
					}
				case who.anon:
					if !toLogin {
						t.Errorf("%s: want login, got %d %s", where, status, loc)
					}
				default:
					if status != http.StatusNotFound {
						t.Errorf("%s: want 404, got %d %s", where, status, loc)
					}
				}
			}
		}
	})
}

// sendAs sends one request with the client's cookies and a CSRF token.
func sendAs(t *testing.T, c *apptest.Client, method, target string) (int, string) {
	t.Helper()
	var resp *http.Response
	if method == http.MethodGet {
		resp = c.Get(target)
	} else {
		resp = c.PostForm(target, nil)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}
