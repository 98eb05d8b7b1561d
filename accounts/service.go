package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/settings"
	"github.com/frontdesk/frontdesk/platform/web"
)

// SettingMagicLink switches passwordless login by emailed link on ("true").
const SettingMagicLink = "accounts.magic_link"

// Session lifetimes: a "remember me" session lives 30 days, any other 12
// hours; both slide forward while the user is active.
const (
	RememberSessionTTL = 30 * 24 * time.Hour
	ShortSessionTTL    = 12 * time.Hour
	// touchEvery bounds how often a request writes last_seen_at/last_used_at.
	touchEvery = time.Minute
)

// Emailed token lifetimes.
const (
	VerifyTokenTTL      = 7 * 24 * time.Hour
	ResetTokenTTL       = time.Hour
	MagicTokenTTL       = 15 * time.Minute
	EmailChangeTokenTTL = 24 * time.Hour
)

// Errors the service returns for the handlers to map.
var (
	ErrInvalidCredentials = errors.New("accounts: wrong email or password")
	ErrEmailTaken         = errors.New("accounts: email address already in use")
	ErrTokenInvalid       = errors.New("accounts: link is invalid, used or expired")
	ErrUserNotFound       = errors.New("accounts: no such user")
	ErrWrongPassword      = errors.New("accounts: current password is wrong")
)

// RateLimitError is returned when a request exceeded a rate limit.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("accounts: rate limited, retry after %s", e.RetryAfter)
}

// Deps is what the accounts service needs from the app.
type Deps struct {
	DB *bun.DB
	// Outbox queues verification, reset and magic-link mail. Nil drops mail
	// (with a warning), which only tests without mail should rely on.
	Outbox   *fdmail.Outbox
	Settings *settings.Store
	// BaseURL makes absolute links in emails (no trailing slash).
	BaseURL string
	// SecureCookies marks cookies Secure (the base URL is https).
	SecureCookies bool
	// ServerKey binds CSRF tokens to sessions and seals flash messages;
	// every node must share it (app keeps it in settings). Nil: a random
	// key for this process.
	ServerKey []byte
	Log       *slog.Logger
	// Argon2 overrides the password hashing cost (tests lower it).
	Argon2 Argon2Params
	// Limits overrides the rate limits; zero fields take the defaults.
	Limits Limits
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
}

// Service implements accounts: sign-up, verification, login, sessions,
// password reset, magic links, profile changes, API tokens and rate limits.
type Service struct {
	db       *bun.DB
	outbox   *fdmail.Outbox
	settings *settings.Store
	baseURL  string
	secure   bool
	// serverKey: see Deps.ServerKey.
	serverKey []byte
	log       *slog.Logger
	pw        *passwords
	limits    Limits
	now       func() time.Time
	sessions  sessionCache // see sessioncache.go
}

// NewService builds the accounts service.
func NewService(d Deps) *Service {
	s := &Service{
		db:        d.DB,
		outbox:    d.Outbox,
		settings:  d.Settings,
		baseURL:   strings.TrimRight(d.BaseURL, "/"),
		secure:    d.SecureCookies,
		serverKey: d.ServerKey,
		log:       d.Log,
		pw:        newPasswords(d.Argon2),
		limits:    d.Limits.withDefaults(),
		now:       d.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.settings == nil && s.db != nil {
		s.settings = settings.New(s.db, 10*time.Second)
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// MagicLinkEnabled reports whether passwordless login is switched on.
func (s *Service) MagicLinkEnabled(ctx context.Context) bool {
	return s.settings != nil && s.settings.Bool(ctx, SettingMagicLink, false)
}

// NormalizeEmail trims and lower-cases an address; emails are stored and
// compared in this form.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

var emailShape = regexp.MustCompile(`^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.]+$`)

// ValidEmail reports whether email (normalised) looks like a deliverable
// address: one @, a dot in the domain, no spaces or display-name syntax.
func ValidEmail(email string) bool {
	if len(email) > 320 || !emailShape.MatchString(email) {
		return false
	}
	a, err := mail.ParseAddress(email)
	return err == nil && strings.EqualFold(a.Address, email)
}

// EmailDomain returns the part after the @.
func EmailDomain(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return ""
}

// CheckPassword returns a user-facing message when pw is not acceptable
// for an account with address email, or "" when it is.
func (s *Service) CheckPassword(pw, email string) string { return s.pw.check(pw, email) }

// newSecret returns a random URL-safe secret and the hex SHA-256 stored
// in its place.
func newSecret() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// UserByEmail loads a user by address (any case).
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	return userByEmail(ctx, s.db, email)
}

func userByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Relation("Org").Where("?TableAlias.email = ?", NormalizeEmail(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUserNotFound
	}
	return u, err
}

// UserByID loads a user with their organisation.
func (s *Service) UserByID(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Relation("Org").Where("?TableAlias.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUserNotFound
	}
	return u, err
}

// CreateUserInput is a user created by an admin, the CLI or the demo.
type CreateUserInput struct {
	Email    string
	Name     string
	Password string
	Role     identity.Role
	// OrgSlug names an existing organisation by slug (or by name); empty
	// for none.
	OrgSlug string
}

// CreateUser creates a verified, active user with a password. It fails
// with web.FieldErrors for bad input and ErrEmailTaken for a duplicate.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	email := NormalizeEmail(in.Email)
	fe := web.FieldErrors{}
	if !ValidEmail(email) {
		fe.Add("email", "Enter a valid email address.")
	}
	switch in.Role {
	case identity.RoleCustomer, identity.RoleAgent, identity.RoleAdmin:
	case "":
		in.Role = identity.RoleCustomer
	default:
		fe.Add("role", fmt.Sprintf("Unknown role %q: use customer, agent or admin.", in.Role))
	}
	if msg := s.pw.check(in.Password, email); msg != "" {
		fe.Add("password", msg)
	}
	if name := strings.TrimSpace(in.Name); name != "" {
		if msg := nameProblem(name); msg != "" {
			fe.Add("name", msg)
		}
	}
	if fe.Any() {
		return nil, fe
	}
	hash, err := s.pw.hash(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	u := &User{
		Email: email, Name: strings.TrimSpace(in.Name), PasswordHash: &hash, Role: in.Role,
		VerifiedAt: &now, NotifyTicketUpdates: true, CreatedAt: now, UpdatedAt: now,
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if slug := strings.TrimSpace(in.OrgSlug); slug != "" {
			org := new(Organization)
			err := tx.NewSelect().Model(org).Where("slug = ? OR lower(name) = ?", strings.ToLower(slug), strings.ToLower(slug)).Limit(1).Scan(ctx)
			if errors.Is(err, sql.ErrNoRows) {
				return web.FieldErrors{"org": fmt.Sprintf("Unknown organisation %q.", slug)}
			}
			if err != nil {
				return err
			}
			u.OrgID = &org.ID
		}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			if database.IsUniqueViolation(err) {
				return ErrEmailTaken
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// link makes an absolute URL for an email.
func (s *Service) link(path string) string { return s.baseURL + path }

// queueMail enqueues m inside tx. Without an outbox (tests of other
// domains) the mail is dropped with a warning.
func (s *Service) queueMail(ctx context.Context, tx bun.IDB, m fdmail.Message) error {
	if s.outbox == nil {
		s.log.Warn("no outbox: mail dropped", "kind", m.Kind)
		return nil
	}
	_, err := s.outbox.Enqueue(ctx, tx, m)
	if errors.Is(err, fdmail.ErrInvalidMessage) {
		// The outbox refused this message (an address it cannot send to,
		// say). That is ours to fix, not the person's who asked: log it
		// and carry on, so they get the same answer as anyone else.
		s.log.Error("outbox refused mail", "kind", m.Kind, "err", err)
		return nil
	}
	return err
}

// wakeOutbox tells the sender there is new mail, when the outbox offers
// that (it also polls, so this only saves latency).
func (s *Service) wakeOutbox() {
	if w, ok := any(s.outbox).(interface{ Wake() }); ok && s.outbox != nil {
		w.Wake()
	}
}

// createToken stores a new emailed token for u and returns its secret.
func (s *Service) createToken(ctx context.Context, tx bun.IDB, t *UserToken, ttl time.Duration) (string, error) {
	secret, hash := newSecret()
	now := s.clock()
	t.TokenHash, t.CreatedAt, t.ExpiresAt = hash, now, now.Add(ttl)
	if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
		return "", err
	}
	return secret, nil
}

// lookupToken finds a valid (unused, unexpired) token of purpose for
// secret, locking it for update on PostgreSQL.
func (s *Service) lookupToken(ctx context.Context, db bun.IDB, secret, purpose string) (*UserToken, error) {
	if secret == "" || len(secret) > 200 {
		return nil, ErrTokenInvalid
	}
	t := new(UserToken)
	q := db.NewSelect().Model(t).
		Where("token_hash = ?", hashSecret(secret)).
		Where("purpose = ?", purpose).
		Where("used_at IS NULL").
		Where("expires_at > ?", s.clock())
	if _, ok := db.(bun.Tx); ok && database.IsPostgres(db) {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrTokenInvalid
	}
	return t, err
}

// useToken marks t used; it fails with ErrTokenInvalid when another
// request used it first.
// redeemToken uses up the single-use link secret for purpose and returns it
// with its user, who must still be active.
func (s *Service) redeemToken(ctx context.Context, tx bun.IDB, secret, purpose string) (*UserToken, *User, error) {
	t, err := s.lookupToken(ctx, tx, secret, purpose)
	if err != nil {
		return nil, nil, err
	}
	if err := s.useToken(ctx, tx, t); err != nil {
		return nil, nil, err
	}
	u, err := s.userTx(ctx, tx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.DeactivatedAt != nil {
		return nil, nil, ErrTokenInvalid
	}
	return t, u, nil
}

func (s *Service) useToken(ctx context.Context, tx bun.IDB, t *UserToken) error {
	now := s.clock()
	res, err := tx.NewUpdate().Model((*UserToken)(nil)).
		Set("used_at = ?", now).
		Where("id = ?", t.ID).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrTokenInvalid
	}
	t.UsedAt = &now
	return nil
}

// SendVerification emails user a fresh link confirming their address
// (admins use it to resend). Already verified users get nothing.
func (s *Service) SendVerification(ctx context.Context, user *User) error {
	if user.VerifiedAt != nil {
		return nil
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return s.queueVerification(ctx, tx, user, nil, "")
	})
	if err == nil {
		s.wakeOutbox()
	}
	return err
}

// queueVerification creates a verify token (carrying a claimed contact's
// pending password and name) and queues its email.
func (s *Service) queueVerification(ctx context.Context, tx bun.IDB, u *User, pendingHash *string, pendingName string) error {
	secret, err := s.createToken(ctx, tx, &UserToken{UserID: u.ID, Purpose: PurposeVerify, PasswordHash: pendingHash, NewName: pendingName}, VerifyTokenTTL)
	if err != nil {
		return err
	}
	name := u.Name
	if pendingName != "" {
		name = pendingName
	}
	return s.queueMail(ctx, tx, fdmail.Message{
		To: u.Email, ToName: name, Subject: "Confirm your email address",
		Template: "accounts_verify", Kind: "verify_email",
		Data: map[string]any{"Name": name, "Link": s.link("/verify?token=" + secret), "Days": int(VerifyTokenTTL.Hours() / 24)},
	})
}
