package admin

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Setting keys edited here; the layout (app/routes.go) and the accounts
// package read them.
const (
	KeyBrandName = "brand.name"
	KeyTagline   = "brand.tagline"
	KeyColor     = "brand.color"
	KeyLogoURL   = "brand.logo_url"
	KeyMagicLink = "accounts.magic_link"
)

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// SettingsForm is the branding and feature-switch form.
type SettingsForm struct {
	Name      string
	Tagline   string
	Color     string
	LogoURL   string
	MagicLink bool
}

// Validate checks the form.
func (f *SettingsForm) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	if len(f.Name) > 100 {
		fe.Add("name", "Keep the name under 100 characters.")
	}
	if len(f.Tagline) > 200 {
		fe.Add("tagline", "Keep the tagline under 200 characters.")
	}
	if f.Color != "" && !colorRe.MatchString(f.Color) {
		fe.Add("color", "Enter a colour as # and six hex digits, e.g. #1d4ed8.")
	}
	if f.LogoURL != "" {
		u, err := url.Parse(f.LogoURL)
		switch {
		case len(f.LogoURL) > 500 || err != nil:
			fe.Add("logo_url", "Enter a full https:// address or a path starting with /.")
		case u.Scheme == "https" && u.Host != "":
		case u.Scheme == "" && u.Host == "" && strings.HasPrefix(f.LogoURL, "/") && !strings.HasPrefix(f.LogoURL, "//"):
		default:
			// The CSP allows images from https: and 'self' only.
			fe.Add("logo_url", "Enter a full https:// address or a path starting with /.")
		}
	}
	return fe
}

func (f *SettingsForm) values() map[string]string {
	return map[string]string{
		KeyBrandName: f.Name, KeyTagline: f.Tagline, KeyColor: strings.ToLower(f.Color),
		KeyLogoURL: f.LogoURL, KeyMagicLink: fmt.Sprint(f.MagicLink),
	}
}

func (h *Handlers) showSettings(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := SettingsForm{
		Name:      h.settings.Get(ctx, KeyBrandName, ""),
		Tagline:   h.settings.Get(ctx, KeyTagline, ""),
		Color:     h.settings.Get(ctx, KeyColor, ""),
		LogoURL:   h.settings.Get(ctx, KeyLogoURL, ""),
		MagicLink: h.settings.Bool(ctx, KeyMagicLink, false),
	}
	return web.Render(c, "admin/settings", "admin/_settings_form", fiber.Map{"Title": "Settings", "Form": f, "Errors": web.FieldErrors{}})
}

func (h *Handlers) saveSettings(c *fiber.Ctx) error {
	f := SettingsForm{
		Name:      strings.TrimSpace(c.FormValue("name")),
		Tagline:   strings.TrimSpace(c.FormValue("tagline")),
		Color:     strings.TrimSpace(c.FormValue("color")),
		LogoURL:   strings.TrimSpace(c.FormValue("logo_url")),
		MagicLink: c.FormValue("magic_link") != "",
	}
	if fe := f.Validate(); fe.Any() {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "admin/settings", "admin/_settings_form",
			fiber.Map{"Title": "Settings", "Form": f, "Errors": fe})
	}
	ctx := c.UserContext()
	old, err := h.settings.All(ctx)
	if err != nil {
		return err
	}
	vals := f.values()
	var changed []string
	for k, v := range vals {
		if old[k] != v {
			changed = append(changed, k+"="+v)
		}
	}
	sort.Strings(changed)
	if err := h.settings.Set(ctx, vals); err != nil {
		return err
	}
	// The settings store writes in its own transaction, so the audit row
	// follows it rather than sharing it.
	if len(changed) > 0 {
		if err := h.dir.Audit(ctx, identity.AuditEntry(c, "settings.update", "settings", 0, strings.Join(changed, "; "))); err != nil {
			return err
		}
	}
	web.SetFlash(c, "success", "Settings saved.")
	return web.Redirect(c, "/admin/settings")
}

func (h *Handlers) listAudit(c *fiber.Ctx) error {
	f := accounts.AuditFilter{
		Action: strings.TrimSpace(c.Query("action")),
		Actor:  strings.TrimSpace(c.Query("actor")),
		Page:   queryPage(c),
	}
	ctx := c.UserContext()
	rows, more, err := h.dir.ListAudit(ctx, f)
	if err != nil {
		return err
	}
	actions, err := h.dir.AuditActions(ctx)
	if err != nil {
		return err
	}
	return web.Render(c, "admin/audit", "admin/_audit_results", fiber.Map{
		"Title": "Audit log", "Entries": rows, "Filter": f, "Actions": actions, "Pager": newPager(c, f.Page, more),
	})
}
