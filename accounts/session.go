package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// SessionCookie holds the browser's session secret.
const SessionCookie = "fd_session"

// ErrBadToken answers an API request whose bearer token is unknown or revoked.
var ErrBadToken = errors.New("accounts: invalid or revoked API token")

// Middleware establishes who is making each request: a bearer API token
// for /api/ paths (never the cookie there, so a page cannot be tricked
// into calling the API with the user's session), the session cookie
// elsewhere. Deactivated users are anonymous. last_seen_at/last_used_at
// are written at most once a minute per session or token.
func (s *Service) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		if web.IsAPI(c) {
			auth := c.Get(fiber.HeaderAuthorization)
			if auth == "" {
				return c.Next()
			}
			secret, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				return web.JSONError(c, fiber.StatusUnauthorized, "use Authorization: Bearer <token>")
			}
			id, err := s.AuthenticateToken(ctx, strings.TrimSpace(secret))
			if errors.Is(err, ErrBadToken) {
				return web.JSONError(c, fiber.StatusUnauthorized, "invalid or revoked API token")
			}
			if err != nil {
				return err
			}
			identity.Set(c, id)
			return c.Next()
		}
		secret := c.Cookies(SessionCookie)
		if secret == "" {
			return c.Next()
		}
		id, err := s.authenticateSession(ctx, secret, c)
		if err != nil {
			return err
		}
		if id == nil {
			// Expired or ended elsewhere: forget the cookie.
			s.clearSessionCookie(c)
		}
		identity.Set(c, id)
		return c.Next()
	}
}

func identityFor(u *User) *identity.Identity {
	id := &identity.Identity{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Verified: u.VerifiedAt != nil}
	if u.OrgID != nil {
		id.OrgID = *u.OrgID
	}
	return id
}

// authenticateSession resolves a session secret to an identity, sliding
// its expiry forward (at most one write a minute). It returns nil for an
// unknown, expired or deactivated session.
func (s *Service) authenticateSession(ctx context.Context, secret string, c *fiber.Ctx) (*identity.Identity, error) {
	if len(secret) > 100 {
		return nil, nil
	}
	now := s.clock()
	hash := hashSecret(secret)
	if id, ok := s.sessions.get(hash, now); ok {
		return id, nil
	}
	epoch := identityEpoch.Load()
	sess := new(Session)
	err := s.db.NewSelect().Model(sess).Relation("User").
		Where("?TableAlias.token_hash = ?", hash).
		Where("?TableAlias.expires_at > ?", now).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sess.User == nil || sess.User.DeactivatedAt != nil {
		return nil, nil
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		sess.LastSeenAt = now
		sess.ExpiresAt = now.Add(sessionTTL(sess.Remember))
		if _, err := s.db.NewUpdate().Model(sess).Column("last_seen_at", "expires_at").WherePK().Exec(ctx); err != nil {
			s.log.Warn("touch session", "err", err)
		} else if sess.Remember && c != nil {
			s.setSessionCookie(c, secret, true)
		}
	}
	id := identityFor(sess.User)
	id.SessionID = sess.ID
	s.sessions.put(hash, id, epoch, sess.ExpiresAt, sess.LastSeenAt)
	return id, nil
}

func sessionTTL(remember bool) time.Duration {
	if remember {
		return RememberSessionTTL
	}
	return ShortSessionTTL
}

// CreateSession stores a new session for u and returns the cookie secret.
func (s *Service) CreateSession(ctx context.Context, u *User, remember bool, userAgent, ip string) (string, *Session, error) {
	secret, hash := newSecret()
	now := s.clock()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := &Session{
		TokenHash: hash, UserID: u.ID, Remember: remember,
		UserAgent: userAgent, IP: ip,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(sessionTTL(remember)),
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(sess).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*User)(nil)).Set("last_login_at = ?", now).Where("id = ?", u.ID).Exec(ctx)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// SessionIdentity resolves a session cookie secret to who it belongs to,
// or nil when the session is unknown, expired or its user deactivated.
func (s *Service) SessionIdentity(ctx context.Context, secret string) (*identity.Identity, error) {
	return s.authenticateSession(ctx, secret, nil)
}

// startSession logs u in on this browser: a new session id at every login
// (a session id planted before login is useless; the browser's previous
// session ends), the cookie, and a rotated CSRF token.
func (s *Service) startSession(c *fiber.Ctx, u *User, remember bool) (*Session, error) {
	ctx := c.UserContext()
	if old := c.Cookies(SessionCookie); old != "" {
		if _, err := s.db.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashSecret(old)).Exec(ctx); err != nil {
			return nil, err
		}
		identityChanged()
	}
	secret, sess, err := s.CreateSession(ctx, u, remember, c.Get(fiber.HeaderUserAgent), c.IP())
	if err != nil {
		return nil, err
	}
	s.setSessionCookie(c, secret, remember)
	web.RotateCSRF(c)
	id := identityFor(u)
	id.SessionID = sess.ID
	identity.Set(c, id)
	return sess, nil
}

func (s *Service) setSessionCookie(c *fiber.Ctx, secret string, remember bool) {
	ck := &fiber.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", HTTPOnly: true,
		Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode,
	}
	if remember {
		ck.MaxAge = int(RememberSessionTTL / time.Second)
	}
	c.Cookie(ck)
}

func (s *Service) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true,
		Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: -1, Expires: time.Unix(1, 0),
	})
}

// Logout ends the request's session and clears the cookie.
func (s *Service) Logout(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := identity.Current(c)
	if secret := c.Cookies(SessionCookie); secret != "" {
		if _, err := s.db.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashSecret(secret)).Exec(ctx); err != nil {
			return err
		}
		identityChanged()
	}
	s.clearSessionCookie(c)
	web.RotateCSRF(c)
	if id != nil {
		if err := Audit(ctx, s.db, RequestAudit(c, AuditEntry{Action: "logout", TargetType: "user", TargetID: &id.UserID})); err != nil {
			return err
		}
	}
	identity.Set(c, nil)
	return nil
}

// Sessions lists the user's live sessions, most recently seen first.
func (s *Service) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	var out []Session
	err := s.db.NewSelect().Model(&out).Where("user_id = ?", userID).Where("expires_at > ?", s.clock()).
		Order("last_seen_at DESC", "id DESC").Scan(ctx)
	return out, err
}

// EndSession ends one of the user's sessions; ErrUserNotFound when it is
// not theirs.
func (s *Service) EndSession(ctx context.Context, userID, sessionID int64) error {
	res, err := s.db.NewDelete().Model((*Session)(nil)).Where("id = ?", sessionID).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return err
	}
	identityChanged()
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrUserNotFound
	}
	return nil
}

// EndOtherSessions ends every session of the user except keep (0 ends all).
func (s *Service) EndOtherSessions(ctx context.Context, db bun.IDB, userID, keep int64) (int64, error) {
	q := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID)
	if keep != 0 {
		q = q.Where("id <> ?", keep)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	identityChanged()
	n, _ := res.RowsAffected()
	return n, nil
}
