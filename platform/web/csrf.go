package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// CSRFCookie holds the per-browser token that every state-changing request
// must echo back, in the X-CSRF-Token header (htmx sends it from
// hx-headers on <body>) or in the _csrf form field (plain forms).
const (
	CSRFCookie = "fd_csrf"
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "_csrf"
)

// ErrCSRF answers a state-changing request that did not carry the token.
var ErrCSRF = fiber.NewError(fiber.StatusForbidden, "Your form expired or came from another site. Reload the page and try again.")

// CSRF returns the double-submit-cookie middleware. Requests authenticated
// by a bearer API token carry no cookies a browser could be tricked into
// sending, so they are exempt.
func CSRF(secure bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := c.Cookies(CSRFCookie)
		if len(token) < 32 {
			token = newCSRFToken()
			setCSRFCookie(c, token, secure)
		}
		c.Locals(localCSRF, token)
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
			return c.Next()
		}
		if strings.HasPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ") {
			return c.Next()
		}
		sent := c.Get(CSRFHeader)
		if sent == "" {
			sent = c.FormValue(CSRFField)
		}
		if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(c.Cookies(CSRFCookie))) != 1 {
			return ErrCSRF
		}
		return c.Next()
	}
}

// RotateCSRF issues a fresh token, for use at login and logout so a token
// seen before authentication is useless after it.
func RotateCSRF(c *fiber.Ctx, secure bool) {
	token := newCSRFToken()
	setCSRFCookie(c, token, secure)
	c.Locals(localCSRF, token)
}

// CSRFToken returns the token templates put into forms and hx-headers.
func CSRFToken(c *fiber.Ctx) string {
	s, _ := c.Locals(localCSRF).(string)
	return s
}

func newCSRFToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func setCSRFCookie(c *fiber.Ctx, token string, secure bool) {
	c.Cookie(&fiber.Cookie{
		Name: CSRFCookie, Value: token, Path: "/", HTTPOnly: true,
		Secure: secure, SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: 60 * 60 * 24 * 30,
	})
}
