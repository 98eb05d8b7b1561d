package workspaces

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

func (h *Handlers) settingsData(c *fiber.Ctx, w *wctx, extra fiber.Map) (fiber.Map, error) {
	ctx := c.UserContext()
	team, clients, err := h.svc.People(ctx, w.WS.ID)
	if err != nil {
		return nil, err
	}
	links, err := h.svc.Links(ctx, w.WS.ID)
	if err != nil {
		return nil, err
	}
	d := fiber.Map{"Team": team, "Clients": clients, "Links": links, "Now": h.svc.clock(), "BaseURL": h.svc.baseURL,
		"Form": fiber.Map{"Name": w.WS.Name, "Color": w.WS.Color}}
	for k, v := range extra {
		d[k] = v
	}
	return w.data("Settings · "+w.WS.Name, d), nil
}

func (h *Handlers) showSettings(c *fiber.Ctx, w *wctx) error {
	d, err := h.settingsData(c, w, nil)
	if err != nil {
		return err
	}
	return web.Render(c, "workspaces/settings", "", d)
}

func (h *Handlers) settingsFailed(c *fiber.Ctx, w *wctx, err error, extra fiber.Map) error {
	fe, ok := fieldErrors(err)
	if !ok {
		return notFound(err)
	}
	if extra == nil {
		extra = fiber.Map{}
	}
	extra["Errors"] = fe
	d, derr := h.settingsData(c, w, extra)
	if derr != nil {
		return derr
	}
	return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "workspaces/settings", "", d)
}

func (h *Handlers) settingsURL(w *wctx) string { return "/w/" + w.WS.Slug + "/settings" }

func (h *Handlers) saveSettings(c *fiber.Ctx, w *wctx) error {
	name, color := c.FormValue("name"), c.FormValue("color")
	if err := h.svc.UpdateSettings(c.UserContext(), w.Actor, w.WS, name, color); err != nil {
		return h.settingsFailed(c, w, err, fiber.Map{"Form": fiber.Map{"Name": name, "Color": color}})
	}
	web.SetFlash(c, "success", "Settings saved.")
	return web.Redirect(c, h.settingsURL(w))
}

func (h *Handlers) uploadLogo(c *fiber.Ctx, w *wctx) error {
	fh, err := c.FormFile("logo")
	if err != nil {
		return h.settingsFailed(c, w, web.FieldErrors{"logo": "Choose an image file."}, nil)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	if err := h.svc.SetLogo(c.UserContext(), w.Actor, w.WS, f); err != nil {
		return h.settingsFailed(c, w, err, nil)
	}
	web.SetFlash(c, "success", "Logo saved.")
	return web.Redirect(c, h.settingsURL(w))
}

func (h *Handlers) addPerson(c *fiber.Ctx, w *wctx) error {
	side := c.FormValue("side")
	if side != SideTeam && side != SideClient {
		side = SideClient
	}
	if err := h.svc.AddPerson(c.UserContext(), w.Actor, w.WS, c.FormValue("email"), side); err != nil {
		return h.settingsFailed(c, w, err, fiber.Map{"PersonEmail": c.FormValue("email"), "PersonSide": side})
	}
	web.SetFlash(c, "success", "Added "+c.FormValue("email")+".")
	return web.Redirect(c, h.settingsURL(w))
}

func (h *Handlers) removePerson(c *fiber.Ctx, w *wctx) error {
	uid, err := paramID(c, "uid")
	if err != nil {
		return err
	}
	if err := h.svc.RemovePerson(c.UserContext(), w.Actor, w.WS, uid); err != nil {
		return notFound(err)
	}
	web.SetFlash(c, "success", "Removed.")
	return web.Redirect(c, h.settingsURL(w))
}

func (h *Handlers) createLink(c *fiber.Ctx, w *wctx) error {
	in := LinkInput{Name: c.FormValue("name"), RequireCode: c.FormValue("require_code") != "", AllowedEmails: c.FormValue("emails")}
	exp, ok := parseDate(c.FormValue("expires"))
	if !ok {
		return h.settingsFailed(c, w, web.FieldErrors{"expires": "Enter the expiry as a date."}, fiber.Map{"LinkForm": in})
	}
	in.ExpiresAt = exp
	tok, l, err := h.svc.CreateLink(c.UserContext(), w.Actor, w.WS, in)
	if err != nil {
		return h.settingsFailed(c, w, err, fiber.Map{"LinkForm": in, "LinkExpires": c.FormValue("expires")})
	}
	return h.showToken(c, w, l.Name, tok)
}

// showToken shows a link's token once (it is stored only as a hash).
func (h *Handlers) showToken(c *fiber.Ctx, w *wctx, name, tok string) error {
	d, err := h.settingsData(c, w, fiber.Map{"NewLink": fiber.Map{"Name": name, "URL": h.svc.baseURL + "/w/link/" + tok}})
	if err != nil {
		return err
	}
	c.Set("Referrer-Policy", "no-referrer")
	return web.Render(c, "workspaces/settings", "", d)
}

func (h *Handlers) rotateLink(c *fiber.Ctx, w *wctx) error {
	lid, err := paramID(c, "lid")
	if err != nil {
		return err
	}
	tok, err := h.svc.RotateLink(c.UserContext(), w.Actor, w.WS, lid)
	if err != nil {
		return notFound(err)
	}
	l, err := h.svc.link(c.UserContext(), h.svc.db, w.WS.ID, lid)
	if err != nil {
		return err
	}
	return h.showToken(c, w, l.Name, tok)
}

func (h *Handlers) revokeLink(c *fiber.Ctx, w *wctx) error {
	lid, err := paramID(c, "lid")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeLink(c.UserContext(), w.Actor, w.WS, lid); err != nil {
		return notFound(err)
	}
	web.SetFlash(c, "success", "The link no longer opens the workspace.")
	return web.Redirect(c, h.settingsURL(w))
}

func (h *Handlers) showActivity(c *fiber.Ctx, w *wctx) error {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	items, err := h.svc.Activity(c.UserContext(), w.WS.ID, before, 100)
	if err != nil {
		return err
	}
	next := int64(0)
	if len(items) == 100 {
		next = items[len(items)-1].ID
	}
	return web.Render(c, "workspaces/activity", "", w.data("Activity · "+w.WS.Name, fiber.Map{"Items": items, "Next": next}))
}

func (h *Handlers) exportActivity(c *fiber.Ctx, w *wctx) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-audit.csv"`, w.WS.Slug))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.svc.ExportCSV(c.UserContext(), w.WS.ID, c.Response().BodyWriter())
}

var _ = errors.New
