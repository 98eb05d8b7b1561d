package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// apiTokenPrefix marks Frontdesk API tokens so they are recognisable in
// logs and secret scanners.
const apiTokenPrefix = "fd_"

// CreateAPIToken creates an API token for the user and returns the secret,
// which is shown once and never stored. actor and ip feed the audit log.
func (s *Service) CreateAPIToken(ctx context.Context, userID int64, name string, audit AuditEntry) (string, *APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if len(name) > 200 {
		return "", nil, web.FieldErrors{"name": "Use at most 200 characters."}
	}
	raw, _ := newSecret()
	secret := apiTokenPrefix + raw
	t := &APIToken{
		UserID: userID, Name: name, TokenHash: hashSecret(secret),
		Prefix: secret[:len(apiTokenPrefix)+6], CreatedAt: s.clock(),
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return err
		}
		audit.Action, audit.TargetType, audit.TargetID, audit.Detail = AuditTokenCreate, "api_token", &t.ID, name
		return Audit(ctx, tx, audit)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// APITokens lists the user's tokens, revoked ones last.
func (s *Service) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var out []APIToken
	err := s.db.NewSelect().Model(&out).Where("user_id = ?", userID).
		OrderExpr("revoked_at IS NOT NULL, created_at DESC, id DESC").Scan(ctx)
	return out, err
}

// RevokeAPIToken revokes one of the user's tokens; ErrUserNotFound when it
// is not theirs or already revoked.
func (s *Service) RevokeAPIToken(ctx context.Context, userID, tokenID int64, audit AuditEntry) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*APIToken)(nil)).Set("revoked_at = ?", s.clock()).
			Where("id = ?", tokenID).Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrUserNotFound
		}
		audit.Action, audit.TargetType, audit.TargetID = AuditTokenRevoke, "api_token", &tokenID
		return Audit(ctx, tx, audit)
	})
}

// AuthenticateToken resolves a bearer secret to its user's identity, or
// ErrBadToken. last_used_at is written at most once a minute.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*identity.Identity, error) {
	if !strings.HasPrefix(secret, apiTokenPrefix) || len(secret) > 100 {
		return nil, ErrBadToken
	}
	t := new(APIToken)
	err := s.db.NewSelect().Model(t).Where("token_hash = ?", hashSecret(secret)).Where("revoked_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	u, err := s.UserByID(ctx, t.UserID)
	if errors.Is(err, ErrUserNotFound) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	if u.DeactivatedAt != nil {
		return nil, ErrBadToken
	}
	now := s.clock()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		if _, err := s.db.NewUpdate().Model((*APIToken)(nil)).Set("last_used_at = ?", now).Where("id = ?", t.ID).Exec(ctx); err != nil {
			s.log.Warn("touch api token", "err", err)
		}
	}
	id := identityFor(u)
	id.TokenID = t.ID
	return id, nil
}
