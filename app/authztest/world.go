// Package authztest builds a populated Frontdesk for authorisation tests:
// two organisations, a user of every kind (unverified customer, customer A,
// customer B in another organisation, agent, admin) each with a browser
// session and an API token, plus objects that belong to one of them, so a
// test can ask "may X do Y to Z" over real HTTP. The authorisation matrix
// test lives here; other packages' tests reuse World.
package authztest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
)

// Password is every fixture user's password.
const Password = "correct horse battery staple 42"

// Actor names, in the order the matrix reports them.
const (
	Anonymous  = "anonymous"
	Unverified = "unverified"
	CustomerA  = "customerA"
	CustomerB  = "customerB"
	Agent      = "agent"
	Admin      = "admin"
)

// ActorNames lists every actor.
var ActorNames = []string{Anonymous, Unverified, CustomerA, CustomerB, Agent, Admin}

// Actor is one kind of visitor.
type Actor struct {
	Name  string
	User  *accounts.User // nil for Anonymous
	Token string         // API token secret, "" for Anonymous
}

// World is a running app with fixtures.
type World struct {
	App *app.App
	// Accounts is a service over the app's database (cheap password
	// hashing) for creating users, sessions and tokens.
	Accounts *accounts.Service
	Actors   map[string]*Actor
	OrgA     *accounts.Organization
	OrgB     *accounts.Organization
	// Values are fixture values route parameters are filled with, e.g.
	// "customerB.token" (the id of one of customer B's API tokens).
	Values map[string]string
	// Fresh makes a new object per request for routes that destroy or
	// consume what they act on ("new.customerB.session"), so the order
	// the matrix runs in cannot change its answers.
	Fresh map[string]func(t testing.TB) string
	// Workspace is organisation A's client workspace (workspaces.go).
	Workspace *WorkspaceFixture
}

// NewWorld populates a (freshly built) app.
func NewWorld(t testing.TB, a *app.App) *World {
	t.Helper()
	w := &World{
		App: a,
		Accounts: accounts.NewService(accounts.Deps{
			DB: a.DB, Outbox: a.Mail, Settings: a.Settings, BaseURL: a.Config.BaseURL,
			Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1},
		}),
		Actors: map[string]*Actor{Anonymous: {Name: Anonymous}},
		Values: map[string]string{},
		Fresh:  map[string]func(t testing.TB) string{},
	}
	w.OrgA = w.CreateOrg(t, "Org A", "org-a", false)
	w.OrgB = w.CreateOrg(t, "Org B", "org-b", false)
	for _, spec := range []struct {
		name  string
		role  identity.Role
		org   string
		email string
	}{
		{Unverified, identity.RoleCustomer, "org-a", "unverified@a.test"},
		{CustomerA, identity.RoleCustomer, "org-a", "alice@a.test"},
		{CustomerB, identity.RoleCustomer, "org-b", "bob@b.test"},
		{Agent, identity.RoleAgent, "", "agent@frontdesk.test"},
		{Admin, identity.RoleAdmin, "", "admin@frontdesk.test"},
	} {
		u := w.CreateUser(t, spec.email, spec.role, spec.org)
		if spec.name == Unverified {
			w.SetUnverified(t, u)
		}
		act := &Actor{Name: spec.name, User: u}
		secret, _, err := w.Accounts.CreateAPIToken(context.Background(), u.ID, "authz", accounts.AuditEntry{})
		if err != nil {
			t.Fatalf("api token for %s: %v", spec.name, err)
		}
		act.Token = secret
		w.Actors[spec.name] = act
		// The fixture users are real: each logs in through /login once.
		probe := apptest.NewClient(t, a)
		w.LogInWithForm(t, probe, spec.email, Password)
		w.Values[spec.name+".user"] = strconv.FormatInt(u.ID, 10)
		// Objects owned by the actor, made anew for each request (the
		// actor's API token above is never the one revoked).
		w.Fresh["new."+spec.name+".token"] = func(t testing.TB) string {
			_, tok, err := w.Accounts.CreateAPIToken(context.Background(), u.ID, "victim", accounts.AuditEntry{})
			if err != nil {
				t.Fatalf("api token for %s: %v", u.Email, err)
			}
			return strconv.FormatInt(tok.ID, 10)
		}
		w.Fresh["new."+spec.name+".session"] = func(t testing.TB) string {
			_, sess, err := w.Accounts.CreateSession(context.Background(), u, false, "victim", "127.0.0.1")
			if err != nil {
				t.Fatalf("session for %s: %v", u.Email, err)
			}
			return strconv.FormatInt(sess.ID, 10)
		}
	}
	// Objects admins act on in the matrix, so acting on them does not
	// disturb the actors: a customer in a third organisation.
	orgT := w.CreateOrg(t, "Target Org", "org-target", true)
	target := w.CreateUser(t, "target@t.test", identity.RoleCustomer, "org-target")
	w.Values["target.org"] = strconv.FormatInt(orgT.ID, 10)
	w.Values["target.user"] = strconv.FormatInt(target.ID, 10)
	members := 0
	w.Fresh["new.target.member"] = func(t testing.TB) string {
		members++
		u := w.CreateUser(t, fmt.Sprintf("member%d@t.test", members), identity.RoleCustomer, "org-target")
		return strconv.FormatInt(u.ID, 10)
	}
	// Switch the optional passwordless login on, so its routes answer.
	if err := a.Settings.Set(context.Background(), map[string]string{"accounts.magic_link": "true"}); err != nil {
		t.Fatal(err)
	}
	w.Values["orgA.id"] = strconv.FormatInt(w.OrgA.ID, 10)
	w.Values["orgB.id"] = strconv.FormatInt(w.OrgB.ID, 10)
	w.Values["asset.css"] = a.Assets.URL("css/app.css")
	w.kbFixtures(t)
	w.billingFixtures(t)
	w.ticketFixtures(t)
	w.workspaceFixtures(t)
	w.Values["outbox.message"] = w.outboxMessage(t, "sent")
	w.Fresh["new.outbox.failed"] = func(t testing.TB) string { return w.outboxMessage(t, "failed") }
	w.mailInboundFixtures(t)
	return w
}

// outboxMessage queues a verification email for the target user and sets
// its outbox status; it returns the outbox row id.
func (w *World) outboxMessage(t testing.TB, status string) string {
	t.Helper()
	ctx := context.Background()
	u, err := w.Accounts.UserByEmail(ctx, "target@t.test")
	if err != nil {
		t.Fatal(err)
	}
	u.VerifiedAt = nil // SendVerification skips verified users
	if err := w.Accounts.SendVerification(ctx, u); err != nil {
		t.Fatalf("queue mail: %v", err)
	}
	var id int64
	if err := w.App.DB.NewSelect().Table("mail_outbox").Column("id").Order("id DESC").Limit(1).Scan(ctx, &id); err != nil {
		t.Fatalf("outbox row: %v", err)
	}
	if _, err := w.App.DB.NewUpdate().Table("mail_outbox").Set("status = ?", status).Where("id = ?", id).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

// CreateOrg inserts an organisation.
func (w *World) CreateOrg(t testing.TB, name, slug string, highValue bool) *accounts.Organization {
	t.Helper()
	now := time.Now().UTC()
	o := &accounts.Organization{Name: name, Slug: slug, HighValue: highValue, CreatedAt: now, UpdatedAt: now}
	if _, err := w.App.DB.NewInsert().Model(o).Exec(context.Background()); err != nil {
		t.Fatalf("create org %s: %v", slug, err)
	}
	return o
}

// CreateUser creates a verified user with Password through the accounts
// service.
func (w *World) CreateUser(t testing.TB, email string, role identity.Role, orgSlug string) *accounts.User {
	t.Helper()
	u, err := w.Accounts.CreateUser(context.Background(), accounts.CreateUserInput{
		Email: email, Name: "Test " + string(role), Password: Password, Role: role, OrgSlug: orgSlug,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// SetUnverified clears a user's verification.
func (w *World) SetUnverified(t testing.TB, u *accounts.User) {
	t.Helper()
	if _, err := w.App.DB.NewUpdate().Model((*accounts.User)(nil)).Set("verified_at = NULL").
		Where("id = ?", u.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	u.VerifiedAt = nil
}

// Client returns a browser for the actor: anonymous, or logged in with a
// new session of its own.
func (w *World) Client(t testing.TB, actor string) *apptest.Client {
	t.Helper()
	c := apptest.NewClient(t, w.App)
	act, ok := w.Actors[actor]
	if !ok {
		t.Fatalf("no actor %q", actor)
	}
	if act.User != nil {
		w.LogIn(t, c, act.User)
	}
	return c
}

// LogInWithForm logs c in through the real /login form and fails the
// test unless that succeeds. (The matrix makes hundreds of sessions, more
// than the login rate limit allows from one address, so it uses LogIn.)
func (w *World) LogInWithForm(t testing.TB, c *apptest.Client, email, password string) {
	t.Helper()
	resp := c.PostForm("/login", apptest.Values("email", email, "password", password))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || c.Cookie(accounts.SessionCookie) == "" {
		t.Fatalf("log in as %s: status %d, session cookie %t", email, resp.StatusCode, c.Cookie(accounts.SessionCookie) != "")
	}
}

// LogIn gives client c a new session for u, as logging in would: a
// session row and the session cookie.
func (w *World) LogIn(t testing.TB, c *apptest.Client, u *accounts.User) {
	t.Helper()
	secret, _, err := w.Accounts.CreateSession(context.Background(), u, false, "authztest", "127.0.0.1")
	if err != nil {
		t.Fatalf("session for %s: %v", u.Email, err)
	}
	c.SetCookie(accounts.SessionCookie, secret)
}

// kbFixtures adds a category, a published and a draft article (each with
// a revision and an attachment), and factories for objects the editor
// deletes.
func (w *World) kbFixtures(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	db := w.App.DB
	seq := 0
	category := func(t testing.TB) *kb.Category {
		seq++
		now := time.Now().UTC()
		c := &kb.Category{Slug: fmt.Sprintf("cat-%d", seq), Name: fmt.Sprintf("Category %d", seq), CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatalf("kb category: %v", err)
		}
		return c
	}
	article := func(t testing.TB, status string, cat *kb.Category) (*kb.Article, *kb.Attachment) {
		seq++
		now := time.Now().UTC()
		a := &kb.Article{
			CategoryID: &cat.ID, Slug: fmt.Sprintf("%s-article-%d", status, seq), Title: fmt.Sprintf("A %s article %d", status, seq),
			Body: "Some **text**.", Status: status, Revision: 1, CreatedAt: now, UpdatedAt: now,
		}
		if status == kb.StatusPublished {
			a.PublishedAt = &now
		}
		if _, err := db.NewInsert().Model(a).Exec(ctx); err != nil {
			t.Fatalf("kb article: %v", err)
		}
		rev := &kb.Revision{ArticleID: a.ID, Number: 1, Title: a.Title, Slug: a.Slug, Body: a.Body,
			CategoryID: a.CategoryID, Status: status, CreatedAt: now}
		if _, err := db.NewInsert().Model(rev).Exec(ctx); err != nil {
			t.Fatalf("kb revision: %v", err)
		}
		png, err := w.App.Files.PutBytes(ctx, db, []byte("\x89PNG\r\n\x1a\n"))
		if err != nil {
			t.Fatalf("kb attachment bytes: %v", err)
		}
		att := &kb.Attachment{ArticleID: &a.ID, Filename: "shot.png", ContentType: "image/png",
			Size: png.Size, SHA256: png.SHA256, CreatedAt: now}
		if _, err := db.NewInsert().Model(att).Exec(ctx); err != nil {
			t.Fatalf("kb attachment: %v", err)
		}
		return a, att
	}
	cat := category(t)
	pub, pubAtt := article(t, kb.StatusPublished, cat)
	draft, draftAtt := article(t, kb.StatusDraft, cat)
	w.Values["kb.category.slug"] = cat.Slug
	w.Values["kb.category.id"] = strconv.FormatInt(cat.ID, 10)
	w.Values["kb.published.slug"] = pub.Slug
	w.Values["kb.published.id"] = strconv.FormatInt(pub.ID, 10)
	w.Values["kb.published.attachment"] = strconv.FormatInt(pubAtt.ID, 10)
	w.Values["kb.draft.slug"] = draft.Slug
	w.Values["kb.draft.id"] = strconv.FormatInt(draft.ID, 10)
	w.Values["kb.draft.attachment"] = strconv.FormatInt(draftAtt.ID, 10)
	w.Values["kb.attachment.name"] = "shot.png"
	w.Values["kb.revision"] = "1"
	w.Fresh["new.kb.category"] = func(t testing.TB) string { return strconv.FormatInt(category(t).ID, 10) }
	w.Fresh["new.kb.draft"] = func(t testing.TB) string {
		a, _ := article(t, kb.StatusDraft, cat)
		return strconv.FormatInt(a.ID, 10)
	}
	// An attachment of the published article, deleted by the editor.
	w.Fresh["new.kb.attachment"] = func(t testing.TB) string {
		now := time.Now().UTC()
		x, err := w.App.Files.PutBytes(ctx, db, []byte("x"))
		if err != nil {
			t.Fatalf("kb attachment bytes: %v", err)
		}
		att := &kb.Attachment{ArticleID: &pub.ID, Filename: "extra.txt", ContentType: "text/plain", Size: x.Size,
			SHA256: x.SHA256, CreatedAt: now}
		if _, err := db.NewInsert().Model(att).Exec(ctx); err != nil {
			t.Fatalf("kb attachment: %v", err)
		}
		return strconv.FormatInt(att.ID, 10)
	}
}
