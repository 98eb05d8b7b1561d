package web

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

const flashCookie = "fd_flash"

// Flash is a one-time message shown on the next page the user sees.
type Flash struct {
	Kind    string `json:"k"` // "success", "info", "error"
	Message string `json:"m"`
}

// SetFlash stores a message for the next rendered page (after a redirect).
func SetFlash(c *fiber.Ctx, kind, message string) {
	b, _ := json.Marshal(Flash{Kind: kind, Message: message})
	c.Cookie(&fiber.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b),
		Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// takeFlash reads the pending flash, if any, and clears it.
func takeFlash(c *fiber.Ctx) *Flash {
	if f, ok := c.Locals(localFlash).(*Flash); ok {
		return f
	}
	raw := c.Cookies(flashCookie)
	if raw == "" {
		return nil
	}
	c.ClearCookie(flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil
	}
	var f Flash
	if json.Unmarshal(b, &f) != nil || f.Message == "" {
		return nil
	}
	c.Locals(localFlash, &f)
	return &f
}
