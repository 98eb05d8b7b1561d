// Package accounts owns who people are and what they may do: users,
// organisations, roles, sessions, passwords, emailed single-use tokens,
// API tokens, rate limits, the audit log and the policy layer.
package accounts

import (
	"time"

	"github.com/frontdesk/frontdesk/platform/audit"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

// Organization is a customer company.
type Organization struct {
	bun.BaseModel `bun:"table:organizations"`

	ID                   int64     `bun:"id,pk,autoincrement"`
	Name                 string    `bun:"name,notnull"`
	Slug                 string    `bun:"slug,notnull,unique"`
	HighValue            bool      `bun:"high_value,notnull"`
	MembersSeeAllTickets bool      `bun:"members_see_all_tickets,notnull"`
	CreatedAt            time.Time `bun:"created_at,notnull"`
	UpdatedAt            time.Time `bun:"updated_at,notnull"`

	Domains []OrganizationDomain `bun:"rel:has-many,join:id=org_id"`
}

// OrganizationDomain auto-joins verified users whose email is at Domain.
type OrganizationDomain struct {
	bun.BaseModel `bun:"table:organization_domains"`

	ID     int64  `bun:"id,pk,autoincrement"`
	OrgID  int64  `bun:"org_id,notnull"`
	Domain string `bun:"domain,notnull"`
}

// User is a customer, agent or admin. A user with no password is a contact
// created from an email; signing up with that address claims it.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID                  int64         `bun:"id,pk,autoincrement"`
	Email               string        `bun:"email,notnull"`
	Name                string        `bun:"name,notnull"`
	PasswordHash        *string       `bun:"password_hash"`
	Role                identity.Role `bun:"role,notnull"`
	OrgID               *int64        `bun:"org_id"`
	VerifiedAt          *time.Time    `bun:"verified_at"`
	DeactivatedAt       *time.Time    `bun:"deactivated_at"`
	NotifyTicketUpdates bool          `bun:"notify_ticket_updates,notnull"`
	NotifyProductNews   bool          `bun:"notify_product_news,notnull"`
	LastLoginAt         *time.Time    `bun:"last_login_at"`
	CreatedAt           time.Time     `bun:"created_at,notnull"`
	UpdatedAt           time.Time     `bun:"updated_at,notnull"`

	Org *Organization `bun:"rel:belongs-to,join:org_id=id"`
}

// Session is a logged-in browser. The cookie holds a random token; only
// its SHA-256 is stored.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         int64     `bun:"id,pk,autoincrement"`
	TokenHash  string    `bun:"token_hash,notnull"`
	UserID     int64     `bun:"user_id,notnull"`
	Remember   bool      `bun:"remember,notnull"`
	UserAgent  string    `bun:"user_agent,notnull"`
	IP         string    `bun:"ip,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	LastSeenAt time.Time `bun:"last_seen_at,notnull"`
	ExpiresAt  time.Time `bun:"expires_at,notnull"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// Token purposes for UserToken.
const (
	PurposeVerify      = "verify"
	PurposeReset       = "reset"
	PurposeMagic       = "magic"
	PurposeEmailChange = "email_change"
)

// UserToken is a single-use emailed link (hashed at rest).
type UserToken struct {
	bun.BaseModel `bun:"table:user_tokens"`

	ID        int64  `bun:"id,pk,autoincrement"`
	UserID    int64  `bun:"user_id,notnull"`
	Purpose   string `bun:"purpose,notnull"`
	TokenHash string `bun:"token_hash,notnull"`
	NewEmail  string `bun:"new_email,notnull"`
	// PasswordHash and NewName are the pending credentials of a sign-up
	// that claims a passwordless contact; applied at verification.
	PasswordHash *string    `bun:"password_hash"`
	NewName      string     `bun:"new_name,notnull"`
	ExpiresAt    time.Time  `bun:"expires_at,notnull"`
	UsedAt       *time.Time `bun:"used_at"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
}

// APIToken authenticates /api/v1 requests as its user.
type APIToken struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         int64      `bun:"id,pk,autoincrement"`
	UserID     int64      `bun:"user_id,notnull"`
	Name       string     `bun:"name,notnull"`
	TokenHash  string     `bun:"token_hash,notnull"`
	Prefix     string     `bun:"prefix,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// AuditEntry records a security-relevant event (the platform's one audit
// trail).
type AuditEntry = audit.Entry

// RateLimit is one fixed-window counter.
type RateLimit struct {
	bun.BaseModel `bun:"table:rate_limits"`

	Key          string     `bun:"key,pk"`
	WindowStart  time.Time  `bun:"window_start,notnull"`
	Count        int        `bun:"count,notnull"`
	Failures     int        `bun:"failures,notnull"`
	BlockedUntil *time.Time `bun:"blocked_until"`
}
