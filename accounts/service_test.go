package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/settings"
	"github.com/frontdesk/frontdesk/platform/web"
	"github.com/frontdesk/frontdesk/views"
)

// fastArgon keeps hashing cheap in tests; production uses DefaultArgon2.
var fastArgon = accounts.Argon2Params{Time: 1, Memory: 1024, Threads: 1}

// testClock is a clock tests move forward.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	db    *bun.DB
	svc   *accounts.Service
	clock *testClock
	set   *settings.Store
	ctx   context.Context
}

func newEnv(t *testing.T, db *bun.DB) *env {
	clock := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	set := settings.New(db, 0)
	svc := accounts.NewService(accounts.Deps{
		DB:       db,
		Outbox:   mail.NewOutbox(mail.OutboxDeps{Templates: views.FS, BaseURL: "http://fd.test", Now: clock.Now}),
		Settings: set,
		BaseURL:  "http://fd.test",
		Argon2:   fastArgon,
		Now:      clock.Now,
	})
	return &env{t: t, db: db, svc: svc, clock: clock, set: set, ctx: context.Background()}
}

// mails returns the queued mail to address, oldest first.
func (e *env) mails(to string) []mail.Entry {
	e.t.Helper()
	var out []mail.Entry
	if err := e.db.NewSelect().Model(&out).Where("to_address = ?", to).Order("id").Scan(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return out
}

var linkRe = regexp.MustCompile(`http://fd\.test(/\S+)`)

// lastToken returns the token of the newest link mailed to address whose
// path starts with path.
func (e *env) lastToken(to, path string) string {
	e.t.Helper()
	ms := e.mails(to)
	for i := len(ms) - 1; i >= 0; i-- {
		for _, m := range linkRe.FindAllStringSubmatch(ms[i].TextBody, -1) {
			u, err := url.Parse(m[1])
			if err == nil && u.Path == path && u.Query().Get("token") != "" {
				return u.Query().Get("token")
			}
		}
	}
	e.t.Fatalf("no %s link mailed to %s (%d mails)", path, to, len(ms))
	return ""
}

func (e *env) signupVerified(email, password string) *accounts.User {
	e.t.Helper()
	if err := e.svc.Signup(e.ctx, accounts.SignupInput{Name: "Test User", Email: email, Password: password, IP: "192.0.2.1"}); err != nil {
		e.t.Fatalf("signup: %v", err)
	}
	u, err := e.svc.Verify(e.ctx, e.lastToken(email, "/verify"))
	if err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	return u
}

func (e *env) user(email string) *accounts.User {
	e.t.Helper()
	u, err := e.svc.UserByEmail(e.ctx, email)
	if err != nil {
		e.t.Fatalf("user %s: %v", email, err)
	}
	return u
}

func TestSignupVerifyLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		err := e.svc.Signup(e.ctx, accounts.SignupInput{Name: "Pat", Email: "  Pat@Example.COM ", Password: "correct horse battery", IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		u := e.user("pat@example.com")
		if u.VerifiedAt != nil || u.Role != identity.RoleCustomer || u.Name != "Pat" {
			t.Fatalf("new user = %+v, want unverified customer Pat", u)
		}
		ms := e.mails("pat@example.com")
		if len(ms) != 1 || ms[0].Kind != "verify_email" {
			t.Fatalf("mails = %+v, want one verify_email", ms)
		}
		// Unverified users can log in (they see a banner).
		if _, err := e.svc.Login(e.ctx, "PAT@example.com", "correct horse battery", "192.0.2.1"); err != nil {
			t.Fatalf("login before verification: %v", err)
		}
		token := e.lastToken("pat@example.com", "/verify")
		if _, err := e.svc.Verify(e.ctx, token); err != nil {
			t.Fatal(err)
		}
		if e.user("pat@example.com").VerifiedAt == nil {
			t.Fatal("not verified after using the link")
		}
		if _, err := e.svc.Verify(e.ctx, token); !errors.Is(err, accounts.ErrTokenInvalid) {
			t.Fatalf("second use of the link: %v, want ErrTokenInvalid", err)
		}
		if _, err := e.svc.Login(e.ctx, "pat@example.com", "wrong password!", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := e.svc.Login(e.ctx, "nobody@example.com", "correct horse battery", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		var audits []accounts.AuditEntry
		if err := db.NewSelect().Model(&audits).Order("id").Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, a := range audits {
			got[a.Action]++
		}
		if got[accounts.AuditLoginSuccess] != 1 || got[accounts.AuditLoginFailure] != 2 || got[accounts.AuditVerify] != 1 {
			t.Fatalf("audit actions = %v", got)
		}
	})
}

func TestSignupRejectsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		tests := []struct {
			name      string
			in        accounts.SignupInput
			wantField string
		}{
			{"no name", accounts.SignupInput{Email: "a@example.com", Password: "a fine passphrase"}, "name"},
			{"bad email", accounts.SignupInput{Name: "A", Email: "not-an-email", Password: "a fine passphrase"}, "email"},
			{"short password", accounts.SignupInput{Name: "A", Email: "a@example.com", Password: "short"}, "password"},
			{"common password", accounts.SignupInput{Name: "A", Email: "a@example.com", Password: "Password123"}, "password"},
			{"common password 2", accounts.SignupInput{Name: "A", Email: "a@example.com", Password: "qwertyuiop"}, "password"},
			{"password is the email", accounts.SignupInput{Name: "A", Email: "longname@example.com", Password: "LongName@example.com"}, "password"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := e.svc.Signup(e.ctx, tt.in)
				var fe web.FieldErrors
				if !errors.As(err, &fe) || fe[tt.wantField] == "" {
					t.Fatalf("Signup = %v, want a message for %q", err, tt.wantField)
				}
			})
		}
		n, err := db.NewSelect().Model((*accounts.User)(nil)).Count(e.ctx)
		if err != nil || n != 0 {
			t.Fatalf("users created by bad sign-ups: %d (%v)", n, err)
		}
	})
}

func TestSignupWithRegisteredAddressCreatesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		e.signupVerified("kim@example.com", "first long password")
		err := e.svc.Signup(e.ctx, accounts.SignupInput{Name: "Intruder", Email: "KIM@example.com", Password: "another long password", IP: "192.0.2.9"})
		if err != nil {
			t.Fatalf("sign-up with a taken address must answer like any other: %v", err)
		}
		ms := e.mails("kim@example.com")
		if last := ms[len(ms)-1]; last.Kind != "signup_existing" {
			t.Fatalf("last mail kind = %q, want signup_existing", last.Kind)
		}
		if _, err := e.svc.Login(e.ctx, "kim@example.com", "first long password", "192.0.2.1"); err != nil {
			t.Fatalf("the original password must still work: %v", err)
		}
		if u := e.user("kim@example.com"); u.Name != "Test User" {
			t.Fatalf("name changed to %q", u.Name)
		}
	})
}

func TestSignupClaimsContactAndJoinsOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		now := time.Now().UTC()
		org := &accounts.Organization{Name: "Acme Corp", Slug: "acme", CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(org).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&accounts.OrganizationDomain{OrgID: org.ID, Domain: "acme.example"}).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		contact := &accounts.User{Email: "lee@acme.example", Name: "", Role: identity.RoleCustomer, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(contact).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}

		if err := e.svc.Signup(e.ctx, accounts.SignupInput{Name: "Lee", Email: "Lee@Acme.example", Password: "lee's long password", IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
		// Before verification the contact is untouched and cannot log in.
		if u := e.user("lee@acme.example"); u.PasswordHash != nil || u.ID != contact.ID {
			t.Fatalf("contact changed before verification: %+v", u)
		}
		if _, err := e.svc.Login(e.ctx, "lee@acme.example", "lee's long password", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("login before verification of a claim: %v", err)
		}
		if _, err := e.svc.Verify(e.ctx, e.lastToken("lee@acme.example", "/verify")); err != nil {
			t.Fatal(err)
		}
		u := e.user("lee@acme.example")
		if u.ID != contact.ID || u.Name != "Lee" || u.VerifiedAt == nil {
			t.Fatalf("claimed user = %+v", u)
		}
		if u.OrgID == nil || *u.OrgID != org.ID {
			t.Fatalf("org = %v, want %d (domain acme.example)", u.OrgID, org.ID)
		}
		if _, err := e.svc.Login(e.ctx, "lee@acme.example", "lee's long password", "192.0.2.1"); err != nil {
			t.Fatalf("login after claim: %v", err)
		}
		// Another domain joins nothing.
		other := e.signupVerified("sam@elsewhere.example", "sam's long password")
		if other.OrgID != nil {
			t.Fatalf("sam joined org %d", *other.OrgID)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u := e.signupVerified("rae@example.com", "old long password")
		secretA, _, err := e.svc.CreateSession(e.ctx, u, true, "browser A", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		// Unknown addresses: same answer, no mail.
		if err := e.svc.RequestPasswordReset(e.ctx, "ghost@example.com", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if n := len(e.mails("ghost@example.com")); n != 0 {
			t.Fatalf("%d mails to an unknown address", n)
		}
		if err := e.svc.RequestPasswordReset(e.ctx, "RAE@example.com", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		token := e.lastToken("rae@example.com", "/password/reset")
		if err := e.svc.CheckToken(e.ctx, token, accounts.PurposeReset); err != nil {
			t.Fatalf("fresh reset link: %v", err)
		}
		var fe web.FieldErrors
		if _, err := e.svc.ResetPassword(e.ctx, token, "1234567890", "192.0.2.1"); !errors.As(err, &fe) {
			t.Fatalf("weak new password: %v", err)
		}
		if _, err := e.svc.ResetPassword(e.ctx, token, "new long password", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ResetPassword(e.ctx, token, "newer long password", "192.0.2.1"); !errors.Is(err, accounts.ErrTokenInvalid) {
			t.Fatalf("second use: %v", err)
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, secretA); id != nil {
			t.Fatal("sessions must end when the password is reset")
		}
		if _, err := e.svc.Login(e.ctx, "rae@example.com", "old long password", "192.0.2.1"); !errors.Is(err, accounts.ErrInvalidCredentials) {
			t.Fatalf("old password: %v", err)
		}
		if _, err := e.svc.Login(e.ctx, "rae@example.com", "new long password", "192.0.2.1"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		// Links expire after an hour.
		if err := e.svc.RequestPasswordReset(e.ctx, "rae@example.com", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		late := e.lastToken("rae@example.com", "/password/reset")
		e.clock.Advance(61 * time.Minute)
		if _, err := e.svc.ResetPassword(e.ctx, late, "late long password", "192.0.2.1"); !errors.Is(err, accounts.ErrTokenInvalid) {
			t.Fatalf("expired link: %v", err)
		}
	})
}

func TestMagicLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		e.signupVerified("max@example.com", "max's long password")
		before := len(e.mails("max@example.com"))
		if err := e.svc.RequestMagicLink(e.ctx, "max@example.com", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if n := len(e.mails("max@example.com")); n != before {
			t.Fatal("magic link sent while the setting is off")
		}
		if err := e.set.Set(e.ctx, map[string]string{accounts.SettingMagicLink: "true"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RequestMagicLink(e.ctx, "max@example.com", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		token := e.lastToken("max@example.com", "/login/magic")
		u, err := e.svc.MagicLogin(e.ctx, token, "192.0.2.1")
		if err != nil || u.Email != "max@example.com" {
			t.Fatalf("MagicLogin = %v, %v", u, err)
		}
		if _, err := e.svc.MagicLogin(e.ctx, token, "192.0.2.1"); !errors.Is(err, accounts.ErrTokenInvalid) {
			t.Fatalf("second use: %v", err)
		}
	})
}

func TestEmailChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u := e.signupVerified("old@example.com", "a long password here")
		e.signupVerified("taken@example.com", "a long password here")
		tests := []struct {
			name, email, pw, field string
		}{
			{"wrong password", "new@example.com", "not my password", "current_password"},
			{"same", "old@example.com", "a long password here", "email"},
			{"invalid", "new@", "a long password here", "email"},
		}
		for _, tt := range tests {
			var fe web.FieldErrors
			if err := e.svc.RequestEmailChange(e.ctx, u.ID, tt.email, tt.pw); !errors.As(err, &fe) || fe[tt.field] == "" {
				t.Errorf("%s: %v, want a message for %s", tt.name, err, tt.field)
			}
		}
		if err := e.svc.RequestEmailChange(e.ctx, u.ID, "New@example.com", "a long password here"); err != nil {
			t.Fatal(err)
		}
		if got := e.user("old@example.com"); got.ID != u.ID {
			t.Fatal("address switched before confirmation")
		}
		if _, err := e.svc.ConfirmEmailChange(e.ctx, e.lastToken("new@example.com", "/account/email/confirm"), "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if got := e.user("new@example.com"); got.ID != u.ID || got.VerifiedAt == nil {
			t.Fatalf("after confirmation: %+v", got)
		}
		if ms := e.mails("old@example.com"); ms[len(ms)-1].Kind != "email_changed" || !strings.Contains(ms[len(ms)-1].TextBody, "new@example.com") {
			t.Fatal("the old address was not told about the change")
		}
		// Requests that mail a typed address are rate limited.
		var limited *accounts.RateLimitError
		for i := 0; i < 6 && limited == nil; i++ {
			err := e.svc.RequestEmailChange(e.ctx, u.ID, fmt.Sprintf("spam%d@example.com", i), "a long password here")
			if err != nil && !errors.As(err, &limited) {
				t.Fatal(err)
			}
		}
		if limited == nil {
			t.Fatal("email-change requests are not rate limited")
		}
		if _, err := e.svc.Login(e.ctx, "new@example.com", "a long password here", "192.0.2.1"); err != nil {
			t.Fatalf("login with the new address: %v", err)
		}
		n, err := db.NewSelect().Model((*accounts.AuditEntry)(nil)).Where("action = ?", accounts.AuditEmailChange).Count(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("email.change audit rows = %d (%v)", n, err)
		}
	})
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u := e.signupVerified("ann@example.com", "ann's first password")
		here, sessHere, err := e.svc.CreateSession(e.ctx, u, false, "here", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		there, _, err := e.svc.CreateSession(e.ctx, u, true, "there", "192.0.2.2")
		if err != nil {
			t.Fatal(err)
		}
		var fe web.FieldErrors
		if err := e.svc.ChangePassword(e.ctx, u.ID, sessHere.ID, "wrong current pw", "ann's second password", "192.0.2.1"); !errors.As(err, &fe) || fe["current_password"] == "" {
			t.Fatalf("wrong current password: %v", err)
		}
		if err := e.svc.ChangePassword(e.ctx, u.ID, sessHere.ID, "ann's first password", "ann's second password", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, here); id == nil || id.UserID != u.ID {
			t.Fatal("the current session must survive a password change")
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, there); id != nil {
			t.Fatal("other sessions must end on password change")
		}
		if _, err := e.svc.Login(e.ctx, "ann@example.com", "ann's second password", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u := e.signupVerified("sid@example.com", "sid's long password")
		v := e.signupVerified("vic@example.com", "vic's long password")
		short, s1, _ := e.svc.CreateSession(e.ctx, u, false, "one", "192.0.2.1")
		long, s2, _ := e.svc.CreateSession(e.ctx, u, true, "two", "192.0.2.1")
		_, s3, _ := e.svc.CreateSession(e.ctx, u, false, "three", "192.0.2.1")
		_, sv, _ := e.svc.CreateSession(e.ctx, v, false, "vic", "192.0.2.1")

		if err := e.svc.EndSession(e.ctx, u.ID, sv.ID); !errors.Is(err, accounts.ErrUserNotFound) {
			t.Fatalf("ending someone else's session: %v", err)
		}
		if err := e.svc.EndSession(e.ctx, u.ID, s3.ID); err != nil {
			t.Fatal(err)
		}
		list, err := e.svc.Sessions(e.ctx, u.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("sessions = %d (%v), want 2", len(list), err)
		}
		// Short sessions slide: activity keeps them; 12 idle hours end them.
		e.clock.Advance(11 * time.Hour)
		if id, _ := e.svc.SessionIdentity(e.ctx, short); id == nil {
			t.Fatal("short session ended while active")
		}
		e.clock.Advance(11 * time.Hour)
		if id, _ := e.svc.SessionIdentity(e.ctx, short); id == nil {
			t.Fatal("short session did not slide")
		}
		e.clock.Advance(13 * time.Hour)
		if id, _ := e.svc.SessionIdentity(e.ctx, short); id != nil {
			t.Fatal("short session survived 13 idle hours")
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, long); id == nil || id.SessionID != s2.ID {
			t.Fatal("remembered session ended early")
		}
		if n, err := e.svc.EndOtherSessions(e.ctx, db, u.ID, s2.ID); err != nil || n != 1 {
			t.Fatalf("EndOtherSessions = %d, %v (want the expired one)", n, err)
		}
		_ = s1
		// Deactivated users are anonymous.
		if _, err := db.NewUpdate().Model((*accounts.User)(nil)).Set("deactivated_at = ?", e.clock.Now()).Where("id = ?", u.ID).Exec(e.ctx); err != nil {
			t.Fatal(err)
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, long); id != nil {
			t.Fatal("deactivated user still authenticated")
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u, err := e.svc.CreateUser(e.ctx, accounts.CreateUserInput{Email: "Bot@Example.com", Name: "Bot", Password: "bot's long password", Role: identity.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		secret, tok, err := e.svc.CreateAPIToken(e.ctx, u.ID, "ci", accounts.AuditEntry{IP: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := e.svc.AuthenticateToken(e.ctx, secret)
		if err != nil || id.UserID != u.ID || id.Role != identity.RoleAgent || id.TokenID != tok.ID {
			t.Fatalf("AuthenticateToken = %+v, %v", id, err)
		}
		list, _ := e.svc.APITokens(e.ctx, u.ID)
		if len(list) != 1 || list[0].LastUsedAt == nil || list[0].TokenHash == secret {
			t.Fatalf("tokens = %+v", list)
		}
		// last_used_at is written at most once a minute, not per request.
		first := *list[0].LastUsedAt
		e.clock.Advance(30 * time.Second)
		if _, err := e.svc.AuthenticateToken(e.ctx, secret); err != nil {
			t.Fatal(err)
		}
		if list, _ = e.svc.APITokens(e.ctx, u.ID); !list[0].LastUsedAt.Equal(first) {
			t.Fatalf("last_used_at rewritten after 30s: %v -> %v", first, list[0].LastUsedAt)
		}
		e.clock.Advance(31 * time.Second)
		if _, err := e.svc.AuthenticateToken(e.ctx, secret); err != nil {
			t.Fatal(err)
		}
		if list, _ = e.svc.APITokens(e.ctx, u.ID); !list[0].LastUsedAt.After(first) {
			t.Fatalf("last_used_at not updated after a minute: %v", list[0].LastUsedAt)
		}
		for _, bad := range []string{"", "fd_nope", secret + "x", "Bearer " + secret} {
			if _, err := e.svc.AuthenticateToken(e.ctx, bad); !errors.Is(err, accounts.ErrBadToken) {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		other, _ := e.svc.CreateUser(e.ctx, accounts.CreateUserInput{Email: "o@example.com", Password: "other long password", Role: identity.RoleCustomer})
		if err := e.svc.RevokeAPIToken(e.ctx, other.ID, tok.ID, accounts.AuditEntry{}); !errors.Is(err, accounts.ErrUserNotFound) {
			t.Fatalf("revoking someone else's token: %v", err)
		}
		if err := e.svc.RevokeAPIToken(e.ctx, u.ID, tok.ID, accounts.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateToken(e.ctx, secret); !errors.Is(err, accounts.ErrBadToken) {
			t.Fatalf("revoked token: %v", err)
		}
		var actions []string
		if err := db.NewSelect().Model((*accounts.AuditEntry)(nil)).Column("action").Where("target_type = 'api_token'").Order("id").Scan(e.ctx, &actions); err != nil {
			t.Fatal(err)
		}
		if len(actions) != 2 || actions[0] != accounts.AuditTokenCreate || actions[1] != accounts.AuditTokenRevoke {
			t.Fatalf("audit = %v", actions)
		}
	})
}

func TestCreateUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		if _, err := e.svc.CreateUser(e.ctx, accounts.CreateUserInput{Email: "a@example.com", Password: "a long password!", Role: identity.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CreateUser(e.ctx, accounts.CreateUserInput{Email: "A@EXAMPLE.com", Password: "a long password!", Role: identity.RoleAdmin}); !errors.Is(err, accounts.ErrEmailTaken) {
			t.Fatalf("duplicate (other case): %v", err)
		}
		var fe web.FieldErrors
		if _, err := e.svc.CreateUser(e.ctx, accounts.CreateUserInput{Email: "b@example.com", Password: "a long password!", Role: "boss"}); !errors.As(err, &fe) || fe["role"] == "" {
			t.Fatalf("unknown role: %v", err)
		}
		if _, err := e.svc.CreateUser(e.ctx, accounts.CreateUserInput{Email: "b@example.com", Password: "a long password!", Role: identity.RoleCustomer, OrgSlug: "nope"}); !errors.As(err, &fe) || fe["org"] == "" {
			t.Fatalf("unknown org: %v", err)
		}
	})
}

func TestLoginRateLimitSlowsDownButDoesNotLockOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		e.signupVerified("tom@example.com", "tom's long password")
		var limited *accounts.RateLimitError
		failures := 0
		for i := 0; i < 12; i++ {
			_, err := e.svc.Login(e.ctx, "tom@example.com", "guess number one", "198.51.100.7")
			switch {
			case errors.Is(err, accounts.ErrInvalidCredentials):
				failures++
			case errors.As(err, &limited):
			default:
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if limited == nil || limited.RetryAfter <= 0 {
			t.Fatal("12 bad logins in a row were never rate limited")
		}
		if failures > 10 {
			t.Fatalf("%d password checks ran; the per-account limit is 10", failures)
		}
		// Even the right password waits while blocked.
		if _, err := e.svc.Login(e.ctx, "tom@example.com", "tom's long password", "198.51.100.7"); !errors.As(err, &limited) {
			t.Fatalf("right password while blocked: %v", err)
		}
		// After the window and the (capped) block, the owner gets in again.
		e.clock.Advance(16 * time.Minute)
		if _, err := e.svc.Login(e.ctx, "tom@example.com", "tom's long password", "198.51.100.7"); err != nil {
			t.Fatalf("login after the block: %v", err)
		}
		// Per-IP limit: 30 attempts across accounts from one address.
		e.clock.Advance(16 * time.Minute)
		var ipLimited bool
		for i := 0; i < 31; i++ {
			_, err := e.svc.Login(e.ctx, "user"+string(rune('a'+i%26))+"@example.com", "whatever pass", "203.0.113.5")
			if errors.As(err, &limited) {
				ipLimited = true
			}
		}
		if !ipLimited {
			t.Fatal("31 logins from one IP were never limited")
		}
	})
}

func TestDemoSeeder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		lines, err := e.svc.SeedDemo(e.ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`^  (\w+)\s+(\S+@\S+)\s+password: (\S+)`)
		logins := 0
		for _, l := range lines {
			m := re.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			logins++
			u, err := e.svc.Login(e.ctx, m[2], m[3], "192.0.2.1")
			if err != nil {
				t.Fatalf("demo login %q: %v", l, err)
			}
			if string(u.Role) != m[1] || u.VerifiedAt == nil {
				t.Errorf("%s: role %s verified %v, line says %s", u.Email, u.Role, u.VerifiedAt != nil, m[1])
			}
		}
		if logins < 6 || !strings.Contains(strings.Join(lines, "\n"), "admin@demo.frontdesk.test  password: demo-admin-2026") {
			t.Fatalf("demo lines:\n%s", strings.Join(lines, "\n"))
		}
		acme := e.user("carol@acme.example")
		if acme.Org == nil || acme.Org.Name != "Acme Corp" || !acme.Org.HighValue {
			t.Fatalf("carol's org = %+v, want high-value Acme Corp", acme.Org)
		}
		if globex := e.user("erin@globex.example"); globex.Org == nil || globex.Org.Name != "Globex" || globex.Org.HighValue {
			t.Fatalf("erin's org = %+v", globex.Org)
		}
		users, _ := db.NewSelect().Model((*accounts.User)(nil)).Count(e.ctx)
		again, err := e.svc.SeedDemo(e.ctx, true)
		if err != nil || strings.Join(again, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("seeded=true must print the same lines: %v", err)
		}
		if n, _ := db.NewSelect().Model((*accounts.User)(nil)).Count(e.ctx); n != users {
			t.Fatalf("seeded=true added users: %d -> %d", users, n)
		}
	})
}

func TestConcurrentBadLoginsNeverFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		e.signupVerified("busy@example.com", "busy's long password")
		errs := make([]error, 50)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Two IPs so per-IP and per-account rows are locked together.
				_, errs[i] = e.svc.Login(e.ctx, "busy@example.com", "not the password", []string{"192.0.2.1", "192.0.2.2"}[i%2])
			}()
		}
		wg.Wait()
		limited := 0
		for i, err := range errs {
			var rl *accounts.RateLimitError
			switch {
			case errors.As(err, &rl):
				limited++
			case errors.Is(err, accounts.ErrInvalidCredentials):
			default:
				t.Errorf("login %d: %v", i, err)
			}
		}
		if limited < 40 {
			t.Fatalf("%d of 50 concurrent bad logins were limited, want at least 40 (limit 10 per account)", limited)
		}
	})
}

func TestPrune(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		u := e.signupVerified("pru@example.com", "pru's long password")
		short, _, _ := e.svc.CreateSession(e.ctx, u, false, "short", "192.0.2.1")
		long, _, _ := e.svc.CreateSession(e.ctx, u, true, "long", "192.0.2.1")
		if err := e.svc.RequestPasswordReset(e.ctx, u.Email, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(2 * 24 * time.Hour)
		if err := e.svc.Prune(e.ctx); err != nil {
			t.Fatal(err)
		}
		var sessions []accounts.Session
		if err := db.NewSelect().Model(&sessions).Scan(e.ctx); err != nil {
			t.Fatal(err)
		}
		if len(sessions) != 1 || !sessions[0].Remember {
			t.Fatalf("sessions after prune = %+v, want only the remembered one", sessions)
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, long); id == nil {
			t.Fatal("remembered session pruned")
		}
		if id, _ := e.svc.SessionIdentity(e.ctx, short); id != nil {
			t.Fatal("expired session still valid")
		}
		// The used verify token and the expired reset token are gone.
		if n, _ := db.NewSelect().Model((*accounts.UserToken)(nil)).Count(e.ctx); n != 0 {
			t.Fatalf("%d tokens left after prune", n)
		}
	})
}
