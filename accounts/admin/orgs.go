package admin

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/web"
)

var (
	slugRe   = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	domainRe = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// OrgForm is the create/edit organisation form.
type OrgForm struct {
	Name                 string
	Slug                 string
	DomainsText          string // as typed: one per line, or separated by commas or spaces
	HighValue            bool
	MembersSeeAllTickets bool

	domains []string
}

func orgFormFrom(c *fiber.Ctx) OrgForm {
	return OrgForm{
		Name:                 strings.TrimSpace(c.FormValue("name")),
		Slug:                 strings.ToLower(strings.TrimSpace(c.FormValue("slug"))),
		DomainsText:          c.FormValue("domains"),
		HighValue:            c.FormValue("high_value") != "",
		MembersSeeAllTickets: c.FormValue("members_see_all_tickets") != "",
	}
}

func orgFormOf(o *accounts.Organization) OrgForm {
	ds := make([]string, len(o.Domains))
	for i, d := range o.Domains {
		ds[i] = d.Domain
	}
	return OrgForm{Name: o.Name, Slug: o.Slug, DomainsText: strings.Join(ds, "\n"),
		HighValue: o.HighValue, MembersSeeAllTickets: o.MembersSeeAllTickets}
}

// Domains returns the parsed, lower-cased, de-duplicated domains (after
// Validate).
func (f *OrgForm) Domains() []string { return f.domains }

// Validate checks the form and parses the domains. The slug is derived
// from the name when left empty.
func (f *OrgForm) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	switch {
	case f.Name == "":
		fe.Add("name", "Enter the organisation's name.")
	case len(f.Name) > 200:
		fe.Add("name", "Keep the name under 200 characters.")
	}
	if f.Slug == "" {
		f.Slug = slugify(f.Name)
	}
	switch {
	case f.Slug == "":
		fe.Add("slug", "Enter a slug: lower-case letters, digits and dashes.")
	case len(f.Slug) > 100 || !slugRe.MatchString(f.Slug):
		fe.Add("slug", "Use lower-case letters, digits and single dashes (e.g. acme-corp), up to 100 characters.")
	}
	f.domains = nil
	seen := map[string]bool{}
	for _, d := range strings.FieldsFunc(strings.ToLower(f.DomainsText), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	}) {
		d = strings.TrimPrefix(strings.TrimSuffix(d, "."), "@")
		if d == "" || seen[d] {
			continue
		}
		if len(d) > 253 || !domainRe.MatchString(d) {
			fe.Add("domains", fmt.Sprintf("%q is not a domain name like example.com.", d))
			continue
		}
		seen[d] = true
		f.domains = append(f.domains, d)
	}
	return fe
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > 100 {
		out = strings.TrimRight(out[:100], "-")
	}
	return out
}

func (h *Handlers) listOrgs(c *fiber.Ctx) error {
	return h.renderOrgs(c, fiber.StatusOK, OrgForm{}, nil)
}

func (h *Handlers) renderOrgs(c *fiber.Ctx, status int, form OrgForm, errs web.FieldErrors) error {
	q := strings.TrimSpace(c.Query("q"))
	page := queryPage(c)
	orgs, more, err := h.dir.ListOrgs(c.UserContext(), q, page)
	if err != nil {
		return err
	}
	return web.RenderStatus(c, status, "admin/orgs", "admin/_org_create", fiber.Map{
		"Title": "Organisations", "Orgs": orgs, "Q": q, "Pager": newPager(c, page, more),
		"Form": form, "Errors": errs,
	})
}

// checkOrgUnique adds field errors for a slug or domains another
// organisation already uses.
func checkOrgUnique(ctx context.Context, dir *accounts.Directory, f *OrgForm, orgID int64, fe web.FieldErrors) error {
	taken, err := dir.SlugTaken(ctx, f.Slug, orgID)
	if err != nil {
		return err
	}
	if taken {
		fe.Add("slug", "Another organisation already uses this slug.")
	}
	doms, err := dir.DomainsTakenByOthers(ctx, f.domains, orgID)
	if err != nil {
		return err
	}
	if len(doms) > 0 {
		fe.Add("domains", "Already used by another organisation: "+strings.Join(doms, ", ")+".")
	}
	return nil
}

// saveOrg validates f and saves it into o in one transaction with its
// audit row. It returns field errors (as an error) for bad input.
func (h *Handlers) saveOrg(c *fiber.Ctx, o *accounts.Organization, f *OrgForm) error {
	fe := f.Validate()
	ctx := c.UserContext()
	if !fe.Any() {
		if err := checkOrgUnique(ctx, h.dir, f, o.ID, fe); err != nil {
			return err
		}
	}
	if fe.Any() {
		return fe
	}
	action := "org.update"
	if o.ID == 0 {
		action = "org.create"
	}
	o.Name, o.Slug, o.HighValue, o.MembersSeeAllTickets = f.Name, f.Slug, f.HighValue, f.MembersSeeAllTickets
	detail := fmt.Sprintf("%s (%s) domains=[%s] high_value=%t members_see_all_tickets=%t",
		o.Name, o.Slug, strings.Join(f.domains, ","), o.HighValue, o.MembersSeeAllTickets)
	err := h.dir.SaveOrg(ctx, o, f.domains, identity.AuditEntry(c, action, "org", o.ID, detail))
	if database.IsUniqueViolation(err) {
		// Lost a race with another admin between the check and the insert.
		return web.FieldErrors{"slug": "Another organisation already uses this slug or one of these domains."}
	}
	return err
}

func (h *Handlers) createOrg(c *fiber.Ctx) error {
	f := orgFormFrom(c)
	o := &accounts.Organization{}
	if err := h.saveOrg(c, o, &f); err != nil {
		if fe, ok := err.(web.FieldErrors); ok {
			return h.renderOrgs(c, fiber.StatusUnprocessableEntity, f, fe)
		}
		return err
	}
	web.SetFlash(c, "success", "Organisation "+o.Name+" created.")
	return web.Redirect(c, fmt.Sprintf("/admin/orgs/%d", o.ID))
}

func (h *Handlers) orgData(c *fiber.Ctx, o *accounts.Organization) (fiber.Map, error) {
	members, err := h.dir.OrgMembers(c.UserContext(), o.ID)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"Title": o.Name, "Org": o, "Members": members, "Errors": web.FieldErrors{}}, nil
}

func (h *Handlers) loadOrg(c *fiber.Ctx) (*accounts.Organization, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	o, err := h.dir.GetOrg(c.UserContext(), id)
	return o, notFound(err)
}

func (h *Handlers) showOrg(c *fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	data, err := h.orgData(c, o)
	if err != nil {
		return err
	}
	data["Form"] = orgFormOf(o)
	return web.Render(c, "admin/org", "", data)
}

func (h *Handlers) updateOrg(c *fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	f := orgFormFrom(c)
	if err := h.saveOrg(c, o, &f); err != nil {
		fe, ok := err.(web.FieldErrors)
		if !ok {
			return err
		}
		fresh, gerr := h.loadOrg(c) // o was not saved; show its stored name
		if gerr != nil {
			return gerr
		}
		data, derr := h.orgData(c, fresh)
		if derr != nil {
			return derr
		}
		data["Form"], data["Errors"] = f, fe
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "admin/org", "admin/_org_form", data)
	}
	web.SetFlash(c, "success", "Organisation saved.")
	return web.Redirect(c, fmt.Sprintf("/admin/orgs/%d", o.ID))
}

// membersDone answers a member change: the refreshed members partial for
// htmx, a redirect otherwise; a problem re-renders with 422.
func (h *Handlers) membersDone(c *fiber.Ctx, o *accounts.Organization, notice, problem, email string) error {
	if problem == "" && !web.IsHTMX(c) {
		web.SetFlash(c, "success", notice)
		return web.Redirect(c, fmt.Sprintf("/admin/orgs/%d", o.ID))
	}
	data, err := h.orgData(c, o)
	if err != nil {
		return err
	}
	data["Form"] = orgFormOf(o)
	status := fiber.StatusOK
	if problem != "" {
		status = fiber.StatusUnprocessableEntity
		data["MemberError"], data["MemberEmail"] = problem, email
	} else {
		data["MemberNotice"] = notice
	}
	return web.RenderStatus(c, status, "admin/org", "admin/_org_members", data)
}

func (h *Handlers) addMember(c *fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	email := strings.TrimSpace(c.FormValue("email"))
	if email == "" {
		return h.membersDone(c, o, "", "Enter the email address of an existing user.", email)
	}
	u, err := h.dir.FindUserByEmail(c.UserContext(), email)
	if err == accounts.ErrNotFound {
		return h.membersDone(c, o, "", "No user has this email address. They need an account first.", email)
	} else if err != nil {
		return err
	}
	if u.OrgID != nil && *u.OrgID == o.ID {
		return h.membersDone(c, o, u.Email+" is already a member.", "", "")
	}
	if err := h.setUserOrg(c, u, &o.ID, o.Name); err != nil {
		return err
	}
	return h.membersDone(c, o, u.Email+" added.", "", "")
}

func (h *Handlers) removeMember(c *fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	uid, err := paramID(c, "user")
	if err != nil {
		return err
	}
	u, err := h.dir.GetUser(c.UserContext(), uid)
	if err != nil || u.OrgID == nil || *u.OrgID != o.ID {
		return fiber.ErrNotFound
	}
	if err := h.setUserOrg(c, u, nil, "no organisation"); err != nil {
		return err
	}
	return h.membersDone(c, o, u.Email+" removed.", "", "")
}
