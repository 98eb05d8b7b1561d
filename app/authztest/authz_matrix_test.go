package authztest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// who is a set of actors.
type who uint8

const (
	anon who = 1 << iota
	unver
	custA
	custB
	agent
	admin
	// hidden marks a public route whose denial is 404 for anonymous
	// visitors too: logging in is not what they lack, and a redirect
	// would reveal that the object exists.
	hidden

	nobody    who = 0
	customers     = unver | custA | custB
	loggedIn      = customers | agent | admin
	everyone      = anon | loggedIn
	staff         = agent | admin
)

var actorBits = map[string]who{
	Anonymous: anon, Unverified: unver, CustomerA: custA, CustomerB: custB, Agent: agent, Admin: admin,
}

// rule is one line of the matrix: which actors a route lets through, and
// which fixture values fill its parameters ("id=target.user").
type rule struct {
	route string // "METHOD /path" exactly as Fiber lists it
	allow who
	args  string // param=fixture pairs separated by spaces; "*" names a wildcard
}

// matrix is the expected authorisation of EVERY route. A route the app
// has but this table lacks fails the test, so a new route cannot escape
// review. Add one line per route: who gets through; everyone else must be
// denied (anonymous: login redirect or 401 on /api; others: 404). Objects
// named "customerB.*" belong to customer B: everyone else asking for them
// must get 404, exactly as for an id that does not exist.
var matrix = []rule{
	// Platform.
	{"GET /healthz", everyone, ""},
	{"GET /readyz", everyone, ""},
	{"GET /static/*", everyone, "*=asset.css"},
	{"GET /brand.css", everyone, ""},
	{"GET /", everyone, ""},

	// Accounts: public forms (logged-in visitors may be sent on elsewhere).
	{"GET /signup", everyone, ""},
	{"POST /signup", everyone, ""},
	{"GET /verify", everyone, "?token=not-a-real-token"},
	{"POST /verify", everyone, ""}, // the choice offered when a link is for another account
	{"GET /login", everyone, ""},
	{"POST /login", everyone, ""},
	{"GET /login/magic", everyone, "?token=not-a-real-token"},
	{"POST /login/magic", everyone, ""},
	{"POST /login/magic/confirm", everyone, ""},
	{"POST /logout", everyone, ""},
	{"GET /password/forgot", everyone, ""},
	{"POST /password/forgot", everyone, ""},
	{"GET /password/reset", everyone, "?token=not-a-real-token"},
	{"POST /password/reset", everyone, ""},
	{"GET /account/email/confirm", everyone, "?token=not-a-real-token"},

	// Accounts: one's own account.
	{"GET /account/", loggedIn, ""},
	{"POST /account/profile", loggedIn, ""},
	{"POST /account/email", loggedIn, ""},
	{"POST /account/password", loggedIn, ""},
	{"POST /account/verify/resend", loggedIn, ""},
	{"GET /account/sessions", loggedIn, ""},
	{"POST /account/sessions/end-others", loggedIn, ""},
	{"POST /account/sessions/:id/end", custB, "id=new.customerB.session"}, // only B may end B's session
	{"GET /account/tokens", loggedIn, ""},
	{"POST /account/tokens", loggedIn, ""},
	{"POST /account/tokens/:id/revoke", custB, "id=new.customerB.token"}, // only B may revoke B's token
	{"GET /api/v1/me", loggedIn, ""},

	// Admin area (accounts/admin).
	{"GET /admin/", admin, ""},
	{"GET /admin/users", admin, ""},
	{"GET /admin/users/:id", admin, "id=target.user"},
	{"POST /admin/users/:id/role", admin, "id=target.user"},
	{"POST /admin/users/:id/org", admin, "id=target.user"},
	{"POST /admin/users/:id/deactivate", admin, "id=target.user"},
	{"POST /admin/users/:id/reactivate", admin, "id=target.user"},
	{"POST /admin/users/:id/verification", admin, "id=target.user"},
	{"GET /admin/orgs", admin, ""},
	{"POST /admin/orgs", admin, ""},
	{"GET /admin/orgs/:id", admin, "id=target.org"},
	{"POST /admin/orgs/:id", admin, "id=target.org"},
	{"POST /admin/orgs/:id/members", admin, "id=target.org"},
	{"POST /admin/orgs/:id/members/:user/remove", admin, "id=target.org user=new.target.member"},
	{"GET /admin/audit", admin, ""},
	{"GET /admin/settings", admin, ""},
	{"POST /admin/settings", admin, ""},
	{"GET /admin/outbox", admin, ""}, // mail package
	{"GET /admin/outbox/:id<int>", admin, "id=outbox.message"},
	{"POST /admin/outbox/:id<int>/retry", admin, "id=new.outbox.failed"},

	// Knowledge base: the public help center.
	{"GET /kb", everyone, ""},
	{"GET /kb/search", everyone, "?q=text"},
	{"GET /kb/c/:slug", everyone, "slug=kb.category.slug"},
	{"GET /kb/a/:slug", everyone, "slug=kb.published.slug"},
	{"GET /kb/a/:slug", staff | hidden, "slug=kb.draft.slug"}, // drafts do not exist for customers
	{"POST /kb/a/:slug/feedback", everyone, "slug=kb.published.slug"},
	{"POST /kb/a/:slug/feedback", staff | hidden, "slug=kb.draft.slug"},
	{"GET /kb/files/:id<int>/:name", everyone, "id=kb.published.attachment name=kb.attachment.name"},
	{"GET /kb/files/:id<int>/:name", staff | hidden, "id=kb.draft.attachment name=kb.attachment.name"},
	{"GET /sitemap.xml", everyone, ""},
	{"GET /api/v1/kb/search", everyone, "?q=text"},

	// Knowledge base: the editor (policy.ManageKB).
	{"GET /agent", staff, ""},
	{"GET /agent/kb/", staff, ""},
	{"POST /agent/kb/", staff, ""},
	{"GET /agent/kb/new", staff, ""},
	{"POST /agent/kb/preview", staff, ""},
	{"GET /agent/kb/:id<int>/edit", staff, "id=kb.draft.id"},
	{"POST /agent/kb/:id<int>", staff, "id=kb.draft.id"},
	{"POST /agent/kb/:id<int>/status", staff, "id=kb.draft.id"},
	{"POST /agent/kb/:id<int>/delete", staff, "id=new.kb.draft"},
	{"POST /agent/kb/:id<int>/attachments", staff, "id=kb.draft.id"},
	{"POST /agent/kb/:id<int>/attachments/:aid<int>/delete", staff, "id=kb.published.id aid=new.kb.attachment"},
	{"GET /agent/kb/:id<int>/revisions", staff, "id=kb.draft.id"},
	{"GET /agent/kb/:id<int>/revisions/:n<int>", staff, "id=kb.draft.id n=kb.revision"},
	{"POST /agent/kb/:id<int>/revisions/:n<int>/restore", staff, "id=kb.draft.id n=kb.revision"},
	{"GET /agent/kb/categories", staff, ""},
	{"POST /agent/kb/categories", staff, ""},
	{"GET /agent/kb/categories/:cid<int>/edit", staff, "cid=kb.category.id"},
	{"POST /agent/kb/categories/:cid<int>", staff, "cid=kb.category.id"},
	{"POST /agent/kb/categories/:cid<int>/delete", staff, "cid=new.kb.category"},
	{"GET /agent/kb/reports", staff, ""},
}

// skipMethods are methods Fiber adds for every GET route.
var skipMethods = map[string]bool{http.MethodHead: true}

var paramRe = regexp.MustCompile(`:[A-Za-z0-9_]+(?:<[^>]*>)?\??|\*|\+`)

func TestAuthorizationMatrix(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		w := NewWorld(t, a)

		lines := map[string]bool{}
		covered := map[string]bool{}
		for _, r := range matrix {
			if lines[r.route+" "+r.args] {
				t.Errorf("matrix lists %q with %q twice", r.route, r.args)
			}
			lines[r.route+" "+r.args] = true
			covered[r.route] = true
		}
		seen := map[string]bool{}
		var routes []string
		for _, rt := range a.Fiber.GetRoutes(true) {
			key := rt.Method + " " + rt.Path
			if skipMethods[rt.Method] || seen[key] {
				continue
			}
			seen[key] = true
			routes = append(routes, key)
		}
		sort.Strings(routes)
		var missing []string
		for _, key := range routes {
			if !covered[key] {
				missing = append(missing, fmt.Sprintf("\t{%q, ???, \"\"},", key))
			}
		}
		if len(missing) > 0 {
			t.Errorf("routes missing from the authorisation matrix (add a line each):\n%s", strings.Join(missing, "\n"))
		}
		for _, r := range matrix {
			if !seen[r.route] {
				t.Errorf("matrix lists %q but the app has no such route (remove or fix the line)", r.route)
			}
		}

		for _, r := range matrix {
			if !seen[r.route] {
				continue
			}
			method, path, _ := strings.Cut(r.route, " ")
			for _, actor := range ActorNames {
				target, err := fillPath(t, path, r.args, w)
				if err != nil {
					t.Errorf("%s: %v", r.route, err)
					break
				}
				status, loc, body := send(t, w, actor, method, target)
				if status >= 500 {
					// Show what the server said (promhttp explains itself).
					loc = body
				}
				checkOutcome(t, r.route, target, actor, r.allow&actorBits[actor] != 0, r.allow&hidden != 0, status, loc)
			}
		}
	})
}

// fillPath substitutes fixture values for the route's parameters and
// appends a "?query" arg.
func fillPath(t testing.TB, path, args string, w *World) (string, error) {
	bind := map[string]string{}
	query := ""
	for _, kv := range strings.Fields(args) {
		if strings.HasPrefix(kv, "?") {
			query = kv
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return "", fmt.Errorf("bad args %q", kv)
		}
		if mk, ok := w.Fresh[v]; ok {
			bind[k] = mk(t)
			continue
		}
		val, ok := w.Values[v]
		if !ok {
			return "", fmt.Errorf("no fixture %q", v)
		}
		bind[k] = val
	}
	var problem error
	out := paramRe.ReplaceAllStringFunc(path, func(p string) string {
		name, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(p, ":"), "?"), "<")
		v, ok := bind[name]
		if !ok {
			problem = fmt.Errorf("parameter %s has no fixture: add %s=<fixture> to the line", p, name)
			return p
		}
		if p == "*" || p == "+" {
			// Wildcard fixtures are whole paths; keep what follows the prefix.
			prefix := path[:strings.Index(path, p)]
			return strings.TrimPrefix(v, prefix)
		}
		return url.PathEscape(v)
	})
	return out + query, problem
}

// send makes one request as actor: a browser with its session for pages,
// a bearer token for /api. Every state-changing request carries a valid
// CSRF token, so what is left to deny it is authorisation.
func send(t *testing.T, w *World, actor, method, target string) (status int, location, body string) {
	t.Helper()
	c := w.Client(t, actor)
	api := strings.HasPrefix(target, "/api/")
	var req *http.Request
	switch {
	case method == http.MethodGet || method == http.MethodHead:
		req, _ = http.NewRequest(method, target, nil)
	case api:
		req, _ = http.NewRequest(method, target, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(web.CSRFHeader, c.CSRF())
	default:
		form := url.Values{web.CSRFField: {c.CSRF()}}
		req, _ = http.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if api && w.Actors[actor].Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.Actors[actor].Token)
	}
	resp := c.Do(req)
	body = apptest.Body(t, resp)
	if len(body) > 300 {
		body = body[:300]
	}
	return resp.StatusCode, resp.Header.Get("Location"), body
}

// checkOutcome asserts allow or the expected denial.
func checkOutcome(t *testing.T, key, target, actor string, allow, hidden bool, status int, loc string) {
	t.Helper()
	toLogin := status >= 300 && status < 400 && strings.HasPrefix(loc, "/login")
	api := strings.HasPrefix(target, "/api/")
	where := fmt.Sprintf("%s (%s) as %s", key, target, actor)
	switch {
	case status >= 500:
		t.Errorf("%s: server error %d: %s", where, status, loc)
	case status == http.StatusForbidden:
		t.Errorf("%s: 403 reveals that the object exists; deny with 404 (or login for anonymous)", where)
	case allow:
		if toLogin || status == http.StatusUnauthorized || status == http.StatusNotFound {
			t.Errorf("%s: want allowed, got %d %s", where, status, loc)
		}
	case hidden:
		if status != http.StatusNotFound {
			t.Errorf("%s: want 404, got %d %s", where, status, loc)
		}
	case actor == Anonymous && api:
		if status != http.StatusUnauthorized {
			t.Errorf("%s: want 401, got %d %s", where, status, loc)
		}
	case actor == Anonymous:
		if !toLogin && status != http.StatusUnauthorized {
			t.Errorf("%s: want a redirect to /login (or 401 for a form post), got %d %s", where, status, loc)
		}
	default:
		if status != http.StatusNotFound {
			t.Errorf("%s: want 404, got %d %s", where, status, loc)
		}
	}
}
