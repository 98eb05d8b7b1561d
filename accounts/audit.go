package accounts

import (
	"context"

	"github.com/frontdesk/frontdesk/platform/audit"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

// Audit actions written by this package (admins add role changes etc.).
const (
	AuditLoginSuccess   = "login.success"
	AuditLoginFailure   = "login.failure"
	AuditLogout         = "logout"
	AuditPasswordChange = "password.change"
	AuditPasswordReset  = "password.reset"
	AuditEmailChange    = "email.change"
	AuditTokenCreate    = "token.create"
	AuditTokenRevoke    = "token.revoke"
	AuditSignup         = "signup"
	AuditVerify         = "email.verify"
	AuditMagicLogin     = "login.magic"
)

// Audit writes one audit-log row using db (pass the operation's
// transaction so the row exists exactly when the change does).
func Audit(ctx context.Context, db bun.IDB, e AuditEntry) error {
	return audit.Write(ctx, db, e)
}

// RequestAudit fills the actor (the request's user, if any) and client IP
// of e from the request, keeping fields already set.
func RequestAudit(c *fiber.Ctx, e AuditEntry) AuditEntry {
	if id := identity.Current(c); id != nil && e.ActorID == nil {
		uid := id.UserID
		e.ActorID = &uid
		if e.ActorEmail == "" {
			e.ActorEmail = id.Email
		}
	}
	if e.IP == "" {
		e.IP = c.IP()
	}
	return e
}
