package workspaces

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/validate"
)

// Link timing and limits.
const (
	LinkSessionTTL   = 12 * time.Hour
	CodeTTL          = 10 * time.Minute
	CodeMaxAttempts  = 5
	linkOpensPerIP   = 120 // link requests per address per linkWindow
	linkMissesPerIP  = 30  // unknown or dead tokens per address per linkWindow
	codeSendsPerLink = 5   // per linkWindow
	codeTriesPerIP   = 20  // per linkWindow
	linkWindow       = 15 * time.Minute
)

// newToken returns a 256-bit random token (URL-safe) and its SHA-256 hex.
func newToken() (string, string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashToken(tok)
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// LinkInput names and limits a link.
type LinkInput struct {
	Name          string
	ExpiresAt     *time.Time
	RequireCode   bool
	AllowedEmails string // space, comma or newline separated
}

func (in *LinkInput) validate(now time.Time) (string, validate.Errors) {
	fe := validate.Errors{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		fe.Add("name", "Name the link after who holds it, e.g. “Finance team”.")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		fe.Add("expires", "Choose an expiry date in the future.")
	}
	var emails []string
	for _, f := range strings.FieldsFunc(in.AllowedEmails, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == ';' }) {
		a, err := mail.ParseAddress(f)
		if err != nil {
			fe.Add("emails", fmt.Sprintf("%q is not an email address.", f))
			continue
		}
		emails = append(emails, strings.ToLower(a.Address))
	}
	if in.RequireCode && len(emails) == 0 {
		fe.Add("emails", "List the addresses a one-time code may be sent to.")
	}
	return strings.Join(emails, " "), fe
}

// CreateLink makes a private link and returns its token (shown once; only
// the hash is stored).
func (s *Service) CreateLink(ctx context.Context, by Actor, ws *Workspace, in LinkInput) (string, *Link, error) {
	now := s.clock()
	emails, fe := in.validate(now)
	if fe.Any() {
		return "", nil, fe
	}
	tok, hash := newToken()
	l := &Link{WorkspaceID: ws.ID, Name: in.Name, TokenHash: hash, RequireCode: in.RequireCode, AllowedEmails: emails,
		ExpiresAt: in.ExpiresAt, CreatedBy: by.userID(), CreatedAt: now}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(l).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "link.created", l.Name, nil, now)
	})
	if err != nil {
		return "", nil, err
	}
	return tok, l, nil
}

// Links lists a workspace's links, newest first.
func (s *Service) Links(ctx context.Context, wsID int64) ([]Link, error) {
	var out []Link
	return out, s.db.NewSelect().Model(&out).Where("workspace_id = ?", wsID).Order("id DESC").Scan(ctx)
}

func (s *Service) link(ctx context.Context, db bun.IDB, wsID, id int64) (*Link, error) {
	l := new(Link)
	if err := scanOne(ctx, db.NewSelect().Model(l).Where("id = ? AND workspace_id = ?", id, wsID), "link"); err != nil {
		return nil, err
	}
	return l, nil
}

// RotateLink gives a link a new token: the old one stops working at once,
// and so do the browsers that opened it.
func (s *Service) RotateLink(ctx context.Context, by Actor, ws *Workspace, linkID int64) (string, error) {
	now := s.clock()
	tok, hash := newToken()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		l, err := s.link(ctx, tx, ws.ID, linkID)
		if err != nil {
			return err
		}
		if l.RevokedAt != nil {
			return ErrNotFound
		}
		l.TokenHash, l.RotatedAt = hash, &now
		if _, err := tx.NewUpdate().Model(l).Column("token_hash", "rotated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*LinkSession)(nil)).Where("link_id = ?", l.ID).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "link.rotated", l.Name, nil, now)
	})
	return tok, err
}

// RevokeLink ends a link for good, with every browser that opened it.
func (s *Service) RevokeLink(ctx context.Context, by Actor, ws *Workspace, linkID int64) error {
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		l, err := s.link(ctx, tx, ws.ID, linkID)
		if err != nil {
			return err
		}
		if l.RevokedAt == nil {
			l.RevokedAt = &now
			if _, err := tx.NewUpdate().Model(l).Column("revoked_at").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Model((*LinkSession)(nil)).Where("link_id = ?", l.ID).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "link.revoked", l.Name, nil, now)
	})
}

func (s *Service) limit(ctx context.Context, key string, max int) error {
	if s.limiter == nil {
		return nil
	}
	if err := s.limiter.Allow(ctx, key, max, linkWindow); err != nil {
		return ErrRateLimited
	}
	return nil
}

// LinkByToken resolves a link token: ErrNotFound for an unknown, revoked,
// expired or rotated-away token (all look the same); ErrRateLimited when
// the address tried too many.
func (s *Service) LinkByToken(ctx context.Context, token, ip string) (*Link, *Workspace, error) {
	if err := s.limit(ctx, "ws-link:ip:"+ip, linkOpensPerIP); err != nil {
		return nil, nil, err
	}
	miss := func() error {
		if err := s.limit(ctx, "ws-link-miss:ip:"+ip, linkMissesPerIP); err != nil {
			return err
		}
		return ErrNotFound
	}
	if len(token) < 40 || len(token) > 64 {
		return nil, nil, miss()
	}
	l := new(Link)
	err := scanOne(ctx, s.db.NewSelect().Model(l).Where("token_hash = ?", hashToken(token)), "link")
	if errors.Is(err, ErrNotFound) {
		return nil, nil, miss()
	}
	if err != nil {
		return nil, nil, err
	}
	if !l.Usable(s.clock()) {
		return nil, nil, miss()
	}
	ws, err := s.ByID(ctx, l.WorkspaceID)
	if err != nil {
		return nil, nil, err
	}
	return l, ws, nil
}

// StartLinkSession records a browser that opened link l (after its code,
// when it needs one) and returns the cookie secret.
func (s *Service) StartLinkSession(ctx context.Context, l *Link, email, ip string) (string, error) {
	now := s.clock()
	tok, hash := newToken()
	name := l.Name
	if email != "" {
		name = email
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&LinkSession{LinkID: l.ID, TokenHash: hash, Email: email, Name: name,
			CreatedAt: now, ExpiresAt: now.Add(LinkSessionTTL)}).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(l).Set("last_used_at = ?", now).WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, l.WorkspaceID, Actor{LinkID: l.ID, Label: linkLabel(l, email), Email: email, Side: SideClient, IP: ip},
			"link.opened", l.Name, nil, now)
	})
	return tok, err
}

func linkLabel(l *Link, email string) string {
	if email != "" {
		return email + " (via " + l.Name + ")"
	}
	return l.Name + " (private link)"
}

// LinkGrant is a browser's link session, resolved.
type LinkGrant struct {
	Link    *Link
	Session *LinkSession
}

// Actor is who the link holder is in the feed.
func (g *LinkGrant) Actor(ip string) Actor {
	return Actor{LinkID: g.Link.ID, Label: linkLabel(g.Link, g.Session.Email), Email: g.Session.Email, Side: SideClient, IP: ip}
}

// GrantBySecret resolves a link cookie: nil (no error) when the session is
// unknown or expired, or its link revoked, rotated or expired.
func (s *Service) GrantBySecret(ctx context.Context, secret string) (*LinkGrant, error) {
	if secret == "" || len(secret) > 64 {
		return nil, nil
	}
	now := s.clock()
	sess := new(LinkSession)
	err := scanOne(ctx, s.db.NewSelect().Model(sess).Where("token_hash = ?", hashToken(secret)).Where("expires_at > ?", now), "link session")
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l := new(Link)
	err = scanOne(ctx, s.db.NewSelect().Model(l).Where("id = ?", sess.LinkID), "link")
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !l.Usable(now) {
		return nil, nil
	}
	return &LinkGrant{Link: l, Session: sess}, nil
}

func allowedEmail(l *Link, email string) bool {
	for _, a := range strings.Fields(l.AllowedEmails) {
		if a == email {
			return true
		}
	}
	return false
}

// SendCode emails a one-time code to email when it is one of the link's
// allowed addresses. It answers the same whether or not it is, so the
// form does not tell which addresses are allowed.
func (s *Service) SendCode(ctx context.Context, l *Link, ws *Workspace, email, ip string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return validate.Errors{"email": "Enter your email address."}
	}
	if err := s.limit(ctx, fmt.Sprintf("ws-code-send:link:%d", l.ID), codeSendsPerLink); err != nil {
		return err
	}
	if err := s.limit(ctx, "ws-code-send:ip:"+ip, codeTriesPerIP); err != nil {
		return err
	}
	if !allowedEmail(l, email) {
		return nil
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.clock()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&LinkCode{LinkID: l.ID, Email: email, CodeHash: hashToken(fmt.Sprintf("%d:%s", l.ID, code)),
			ExpiresAt: now.Add(CodeTTL), CreatedAt: now}).Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, ws.ID, Actor{LinkID: l.ID, Label: linkLabel(l, email), Email: email, Side: SideClient, IP: ip},
			"link.code_sent", l.Name, nil, now); err != nil {
			return err
		}
		if s.outbox == nil {
			return nil
		}
		_, err := s.outbox.Enqueue(ctx, tx, fdmail.Message{
			To: email, Subject: "Your code for " + ws.Name, Template: "workspaces_code", Kind: "workspace_code",
			Data: map[string]any{"Code": code, "Workspace": ws.Name, "Minutes": int(CodeTTL / time.Minute)},
		})
		return err
	})
	if err == nil && s.outbox != nil {
		s.outbox.Wake()
	}
	return err
}

// CheckCode checks a one-time code for email on link l; it is used up on
// success. A code allows CodeMaxAttempts guesses, and the address as many
// as the rate limit.
func (s *Service) CheckCode(ctx context.Context, l *Link, email, code, ip string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	code = strings.TrimSpace(code)
	if err := s.limit(ctx, "ws-code-try:ip:"+ip, codeTriesPerIP); err != nil {
		return err
	}
	now := s.clock()
	bad := validate.Errors{"code": "That code is wrong or has expired. Ask for a new one."}
	c := new(LinkCode)
	err := scanOne(ctx, s.db.NewSelect().Model(c).Where("link_id = ? AND email = ?", l.ID, email).
		Where("used_at IS NULL").Where("expires_at > ?", now).Order("id DESC").Limit(1), "code")
	if errors.Is(err, ErrNotFound) {
		return bad
	}
	if err != nil {
		return err
	}
	if c.Attempts >= CodeMaxAttempts {
		return bad
	}
	want := hashToken(fmt.Sprintf("%d:%s", l.ID, code))
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.CodeHash)) != 1 {
		if _, err := s.db.NewUpdate().Model(c).Set("attempts = attempts + 1").WherePK().Exec(ctx); err != nil {
			return err
		}
		return bad
	}
	// Use it up; a concurrent second use finds it used.
	res, err := s.db.NewUpdate().Model(c).Set("used_at = ?", now).WherePK().Where("used_at IS NULL").
		Where("attempts < ?", CodeMaxAttempts).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return bad
	}
	return nil
}

func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }
