// Package identity says who is making a request: the role and the
// identity the accounts middleware establishes from a session cookie or an
// API token. It is a leaf package of accounts so that the policy layer, the
// web helpers' callers and every domain can share the type without
// importing accounts itself.
package identity

import (
	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/web"
)

const localIdentity = "identity"

// Role is what a user may do in general; finer decisions belong to
// accounts/policy.
type Role string

// The three roles.
const (
	RoleCustomer Role = "customer"
	RoleAgent    Role = "agent"
	RoleAdmin    Role = "admin"
)

// IsStaff reports whether the role works the help desk (agent or admin).
func (r Role) IsStaff() bool { return r == RoleAgent || r == RoleAdmin }

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r == RoleCustomer || r == RoleAgent || r == RoleAdmin }

// Identity is who is making the request. Nil means anonymous.
type Identity struct {
	UserID    int64
	Email     string
	Name      string
	Role      Role
	OrgID     int64 // 0 when the user belongs to no organisation
	Verified  bool
	SessionID int64 // 0 for API-token requests
	TokenID   int64 // 0 for browser sessions
}

// IsStaff reports whether the identity is an agent or admin.
func (id *Identity) IsStaff() bool { return id != nil && id.Role.IsStaff() }

// IsAdmin reports whether the identity is an admin.
func (id *Identity) IsAdmin() bool { return id != nil && id.Role == RoleAdmin }

// Set records who is making the request (nil: anonymous) and offers it to
// templates as .User.
func Set(c *fiber.Ctx, id *Identity) {
	c.Locals(localIdentity, id)
	if id == nil {
		web.SetTemplateValue(c, "User", nil)
		return
	}
	web.SetTemplateValue(c, "User", id)
}

// Current returns the request's identity, or nil for anonymous requests.
func Current(c *fiber.Ctx) *Identity {
	id, _ := c.Locals(localIdentity).(*Identity)
	return id
}

// AuditEntry starts an audit row for a change made by this request: the
// actor (when signed in) and client address are filled in.
func AuditEntry(c *fiber.Ctx, action, targetType string, targetID int64, detail string) audit.Entry {
	e := audit.Entry{Action: action, TargetType: targetType, Detail: detail, IP: c.IP()}
	if targetID != 0 {
		e.TargetID = &targetID
	}
	if id := Current(c); id != nil {
		uid := id.UserID
		e.ActorID = &uid
		e.ActorEmail = id.Email
	}
	return e
}
