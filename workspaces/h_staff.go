package workspaces

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// showList is the staff list of workspaces (the account team's, or all
// for admins), with the form that opens a new one. ?org= narrows it to one
// organisation (linked from the admin organisation page).
func (h *Handlers) showList(c *fiber.Ctx) error {
	return h.renderList(c, fiber.StatusOK, nil, fiber.Map{"Onboarding": true})
}

func (h *Handlers) renderList(c *fiber.Ctx, status int, errs web.FieldErrors, form fiber.Map) error {
	ctx := c.UserContext()
	id := identity.Current(c)
	orgID, _ := strconv.ParseInt(c.Query("org"), 10, 64)
	list, err := h.svc.ListFor(ctx, id, orgID)
	if err != nil {
		return err
	}
	orgs, err := h.svc.dir.HighValueOrgs(ctx)
	if err != nil {
		return err
	}
	if orgID != 0 && form["OrgID"] == nil {
		form["OrgID"] = orgID
	}
	return web.RenderStatus(c, status, "workspaces/list", "", fiber.Map{
		"Title": "Workspaces", "Workspaces": list, "Orgs": orgs, "Errors": errs, "Form": form, "OrgFilter": orgID,
	})
}

func (h *Handlers) create(c *fiber.Ctx) error {
	id := identity.Current(c)
	orgID, _ := strconv.ParseInt(c.FormValue("org"), 10, 64)
	in := CreateInput{Name: c.FormValue("name"), OrgID: orgID, CustomerEmail: c.FormValue("customer"),
		Color: c.FormValue("color"), Onboarding: c.FormValue("onboarding") != ""}
	label := id.Name
	if label == "" {
		label = id.Email
	}
	ws, err := h.svc.Create(c.UserContext(), Actor{UserID: id.UserID, Label: label, Email: id.Email, Side: SideTeam, IP: c.IP()}, in)
	if fe, ok := fieldErrors(err); ok {
		return h.renderList(c, fiber.StatusUnprocessableEntity, fe, fiber.Map{"Name": in.Name, "OrgID": orgID,
			"Customer": in.CustomerEmail, "Color": in.Color, "Onboarding": in.Onboarding})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "Workspace opened. Add the client's members and a private link.")
	return web.Redirect(c, "/w/"+ws.Slug+"/settings")
}

func (h *Handlers) showOnboarding(c *fiber.Ctx) error {
	return h.renderOnboarding(c, fiber.StatusOK, nil, fiber.Map{"Kind": TaskTick})
}

func (h *Handlers) renderOnboarding(c *fiber.Ctx, status int, errs web.FieldErrors, form fiber.Map) error {
	items, err := h.svc.Checklist(c.UserContext())
	if err != nil {
		return err
	}
	return web.RenderStatus(c, status, "workspaces/onboarding", "", fiber.Map{
		"Title": "Onboarding checklist", "Items": items, "Errors": errs, "Form": form})
}

func (h *Handlers) addOnboarding(c *fiber.Ctx) error {
	days, _ := strconv.Atoi(c.FormValue("due_days"))
	in := ChecklistInput{Title: c.FormValue("title"), Details: c.FormValue("details"), Kind: c.FormValue("kind"), DueDays: days}
	if err := h.svc.AddChecklistItem(c.UserContext(), in); err != nil {
		if fe, ok := fieldErrors(err); ok {
			return h.renderOnboarding(c, fiber.StatusUnprocessableEntity, fe, fiber.Map{
				"Title": in.Title, "Details": in.Details, "Kind": in.Kind, "DueDays": c.FormValue("due_days")})
		}
		return err
	}
	web.SetFlash(c, "success", "Added to the checklist.")
	return web.Redirect(c, "/admin/workspaces/onboarding")
}

func (h *Handlers) deleteOnboarding(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteChecklistItem(c.UserContext(), id); err != nil {
		return notFound(err)
	}
	web.SetFlash(c, "success", "Removed from the checklist.")
	return web.Redirect(c, "/admin/workspaces/onboarding")
}
