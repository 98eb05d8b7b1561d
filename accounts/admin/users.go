package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Roles offered in forms, in display order.
var roles = []identity.Role{identity.RoleCustomer, identity.RoleAgent, identity.RoleAdmin}

func validRole(s string) bool {
	for _, r := range roles {
		if string(r) == s {
			return true
		}
	}
	return false
}

func (h *Handlers) showDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	counts, err := h.dir.CountUsersByRole(ctx)
	if err != nil {
		return err
	}
	orgs, err := h.dir.CountOrgs(ctx)
	if err != nil {
		return err
	}
	recent, _, err := h.dir.ListAudit(ctx, accounts.AuditFilter{Page: 1})
	if err != nil {
		return err
	}
	if len(recent) > 10 {
		recent = recent[:10]
	}
	total := 0
	for _, rc := range counts {
		total += rc.Active + rc.Deactivated
	}
	return web.Render(c, "admin/dashboard", "", fiber.Map{
		"Title": "Admin", "Counts": counts, "TotalUsers": total, "OrgCount": orgs, "Recent": recent,
	})
}

func (h *Handlers) listUsers(c *fiber.Ctx) error {
	f := accounts.UserFilter{
		Q:    strings.TrimSpace(c.Query("q")),
		Role: c.Query("role"),
		Page: queryPage(c),
	}
	if !validRole(f.Role) {
		f.Role = ""
	}
	org := c.Query("org")
	if org == "none" {
		f.NoOrg = true
	} else if n, err := strconv.ParseInt(org, 10, 64); err == nil && n > 0 {
		f.OrgID = n
	}
	ctx := c.UserContext()
	users, more, err := h.dir.ListUsers(ctx, f)
	if err != nil {
		return err
	}
	orgs, err := h.dir.AllOrgs(ctx)
	if err != nil {
		return err
	}
	return web.Render(c, "admin/users", "admin/_users_results", fiber.Map{
		"Title": "Users", "Users": users, "Filter": f, "OrgParam": org, "Orgs": orgs, "Roles": roles,
		"Pager": newPager(c, f.Page, more),
	})
}

// userData loads what the user page and its panel show.
func (h *Handlers) userData(ctx context.Context, c *fiber.Ctx, id int64) (fiber.Map, error) {
	u, err := h.dir.GetUser(ctx, id)
	if err != nil {
		return nil, notFound(err)
	}
	orgs, err := h.dir.AllOrgs(ctx)
	if err != nil {
		return nil, err
	}
	sessions, err := h.dir.CountSessions(ctx, id)
	if err != nil {
		return nil, err
	}
	audit, _, err := h.dir.ListAudit(ctx, accounts.AuditFilter{Target: "user", TargetID: id, Page: 1})
	if err != nil {
		return nil, err
	}
	me := identity.Current(c)
	target := policy.User{ID: u.ID}
	title := u.Email
	if u.Name != "" {
		title = u.Name
	}
	return fiber.Map{
		"Title": title, "Target": u, "Orgs": orgs, "Roles": roles, "Sessions": sessions, "Audit": audit,
		"CanChangeRole": policy.Can(me, policy.ChangeUserRole, target),
		"CanDeactivate": policy.Can(me, policy.DeactivateUser, target),
		"CanResend":     u.VerifiedAt == nil && u.DeactivatedAt == nil,
	}, nil
}

func (h *Handlers) showUser(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	data, err := h.userData(c.UserContext(), c, id)
	if err != nil {
		return err
	}
	return web.Render(c, "admin/user", "admin/_user_panel", data)
}

// userDone answers an inline user action: the refreshed panel for htmx,
// a redirect with a flash message otherwise. A non-empty problem re-renders
// with it and 422.
func (h *Handlers) userDone(c *fiber.Ctx, id int64, notice, problem string) error {
	if problem == "" && !web.IsHTMX(c) {
		web.SetFlash(c, "success", notice)
		return web.Redirect(c, fmt.Sprintf("/admin/users/%d", id))
	}
	data, err := h.userData(c.UserContext(), c, id)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if problem != "" {
		status = fiber.StatusUnprocessableEntity
		data["Problem"] = problem
	} else {
		data["Notice"] = notice
	}
	return web.RenderStatus(c, status, "admin/user", "admin/_user_panel", data)
}

// loadTarget reads the :id user of an action (404 when missing).
func (h *Handlers) loadTarget(c *fiber.Ctx) (*accounts.User, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	u, err := h.dir.GetUser(c.UserContext(), id)
	return u, notFound(err)
}

func (h *Handlers) changeRole(c *fiber.Ctx) error {
	u, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	switch {
	case !validRole(role):
		return h.userDone(c, u.ID, "", "Choose one of the roles offered.")
	case !policy.Can(identity.Current(c), policy.ChangeUserRole, policy.User{ID: u.ID}):
		return h.userDone(c, u.ID, "", "You cannot change your own role; ask another admin.")
	case identity.Role(role) == u.Role:
		return h.userDone(c, u.ID, "Role unchanged.", "")
	}
	detail := fmt.Sprintf("%s: %s → %s", u.Email, u.Role, role)
	err = h.dir.SetRole(c.UserContext(), u.ID, identity.Role(role), identity.AuditEntry(c, "user.role_change", "user", u.ID, detail))
	if err != nil {
		return err
	}
	return h.userDone(c, u.ID, "Role changed to "+role+".", "")
}

func (h *Handlers) changeUserOrg(c *fiber.Ctx) error {
	u, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var orgID *int64
	orgName := "no organisation"
	if v := c.FormValue("org"); v != "" && v != "none" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			return h.userDone(c, u.ID, "", "Choose one of the organisations offered.")
		}
		o, gerr := h.dir.GetOrg(ctx, n)
		if gerr == accounts.ErrNotFound {
			return h.userDone(c, u.ID, "", "That organisation no longer exists.")
		} else if gerr != nil {
			return gerr
		}
		orgID, orgName = &o.ID, o.Name
	}
	if err := h.setUserOrg(c, u, orgID, orgName); err != nil {
		return err
	}
	return h.userDone(c, u.ID, "Organisation set to "+orgName+".", "")
}

// setUserOrg moves u into orgID (nil: none) and audits it, in one
// transaction.
func (h *Handlers) setUserOrg(c *fiber.Ctx, u *accounts.User, orgID *int64, orgName string) error {
	var target int64
	if orgID != nil {
		target = *orgID
	}
	detail := fmt.Sprintf("%s → %s", u.Email, orgName)
	if target != 0 {
		detail += fmt.Sprintf(" (org #%d)", target)
	}
	return h.dir.SetOrg(c.UserContext(), u.ID, orgID, identity.AuditEntry(c, "user.org_change", "user", u.ID, detail))
}

func (h *Handlers) deactivateUser(c *fiber.Ctx) error { return h.setActive(c, false) }
func (h *Handlers) reactivateUser(c *fiber.Ctx) error { return h.setActive(c, true) }

func (h *Handlers) setActive(c *fiber.Ctx, active bool) error {
	u, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	if !policy.Can(identity.Current(c), policy.DeactivateUser, policy.User{ID: u.ID}) {
		return h.userDone(c, u.ID, "", "You cannot deactivate your own account.")
	}
	action, notice := "user.deactivate", "Account deactivated; all its sessions were ended."
	if active {
		action, notice = "user.reactivate", "Account reactivated."
	}
	err = h.dir.SetDeactivated(c.UserContext(), u.ID, !active, identity.AuditEntry(c, action, "user", u.ID, u.Email))
	if err != nil {
		return err
	}
	return h.userDone(c, u.ID, notice, "")
}

func (h *Handlers) resendVerification(c *fiber.Ctx) error {
	u, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	switch {
	case u.VerifiedAt != nil:
		return h.userDone(c, u.ID, "", "This address is already verified.")
	case u.DeactivatedAt != nil:
		return h.userDone(c, u.ID, "", "Reactivate the account first.")
	}
	ctx := c.UserContext()
	if err := h.acc.SendVerification(ctx, u); err != nil {
		return err
	}
	if err := h.dir.Audit(ctx, identity.AuditEntry(c, "user.verification_resent", "user", u.ID, u.Email)); err != nil {
		return err
	}
	return h.userDone(c, u.ID, "Verification email queued to "+u.Email+".", "")
}
