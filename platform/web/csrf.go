package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// CSRF protection: every state-changing request must carry a token, in the
// X-CSRF-Token header (htmx sends it from hx-headers on <body>) or in the
// _csrf form field (plain forms). The token is never a value the browser
// sends by itself, and never one an attacker can choose:
//
//   - signed in, it is an HMAC of the session's id under the server key,
//     so it changes at every login and a planted cookie is worthless;
//   - before signing in, it is an HMAC of a random per-browser value kept
//     in an HttpOnly cookie (on https named __Host-fd_csrf, which no
//     sibling subdomain can set), so the login and sign-up forms are
//     protected as well.
//
// Requests a browser marks as cross-site (Sec-Fetch-Site) are refused
// outright. Only a request that a bearer API token actually authenticated
// is exempt: it carries no ambient credential a page could borrow.
const (
	CSRFCookie = "fd_csrf"
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "_csrf"
)

// ErrCSRF answers a state-changing request that did not carry the token.
var ErrCSRF = fiber.NewError(fiber.StatusForbidden, "Your form expired or came from another site. Reload the page and try again.")

// WebhookPrefix is where third parties post events they sign themselves
// (Stripe): no browser session or cookie is involved and each endpoint
// checks its own signature, so the CSRF check does not apply there.
const WebhookPrefix = "/webhooks/"

// CSRFConfig configures the CSRF middleware.
type CSRFConfig struct {
	// Secure marks the cookies Secure (the base URL is https) and uses the
	// __Host- cookie prefix.
	Secure bool
	// Key is the server secret tokens (and flash messages) are sealed
	// with; every node of a deployment must share it. Nil: a random key
	// for this process only.
	Key []byte
	// Session returns a stable id of the session that signed this request
	// in, "" when the visitor is anonymous.
	Session func(c *fiber.Ctx) string
	// TokenAuthenticated reports whether a bearer API token (not a cookie)
	// authenticated this request.
	TokenAuthenticated func(c *fiber.Ctx) bool
}

type csrfState struct {
	cfg   *CSRFConfig
	nonce string
}

// CSRF returns the middleware. Mount it after the middleware that
// establishes who is making the request, since the token depends on it.
func CSRF(cfg CSRFConfig) fiber.Handler {
	if len(cfg.Key) == 0 {
		cfg.Key = randomBytes(32)
	}
	return func(c *fiber.Ctx) error {
		nonce := c.Cookies(csrfCookieName(cfg.Secure))
		if len(nonce) < 32 || len(nonce) > 64 {
			nonce = newNonce()
			setCSRFCookie(c, nonce, cfg.Secure)
		}
		c.Locals(localCSRF, &csrfState{cfg: &cfg, nonce: nonce})
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
			return c.Next()
		}
		if cfg.TokenAuthenticated != nil && cfg.TokenAuthenticated(c) || strings.HasPrefix(c.Path(), WebhookPrefix) {
			return c.Next()
		}
		if c.Get("Sec-Fetch-Site") == "cross-site" {
			return ErrCSRF
		}
		sent := c.Get(CSRFHeader)
		if sent == "" {
			sent = c.FormValue(CSRFField)
		}
		want := CSRFToken(c)
		if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
			return ErrCSRF
		}
		return c.Next()
	}
}

// RotateCSRF gives the browser a new pre-session value, at login and
// logout, so a token seen before is useless after.
func RotateCSRF(c *fiber.Ctx) {
	st, ok := c.Locals(localCSRF).(*csrfState)
	if !ok {
		return
	}
	st.nonce = newNonce()
	setCSRFCookie(c, st.nonce, st.cfg.Secure)
}

// CSRFToken returns the token templates put into forms and hx-headers. It
// is computed when asked, so a page rendered right after login or logout
// carries the token of the new state.
func CSRFToken(c *fiber.Ctx) string {
	st, ok := c.Locals(localCSRF).(*csrfState)
	if !ok {
		return ""
	}
	if st.cfg.Session != nil {
		if sid := st.cfg.Session(c); sid != "" {
			return csrfMAC(st.cfg.Key, "session", sid)
		}
	}
	return CSRFTokenFor(st.cfg.Key, st.nonce)
}

// CSRFTokenFor is the token of an anonymous browser whose CSRF cookie
// holds nonce (tests that drive handlers without pages use it).
func CSRFTokenFor(key []byte, nonce string) string { return csrfMAC(key, "visitor", nonce) }

func csrfMAC(key []byte, kind, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("frontdesk csrf\x00" + kind + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func csrfCookieName(secure bool) string {
	if secure {
		return "__Host-" + CSRFCookie
	}
	return CSRFCookie
}

func newNonce() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func setCSRFCookie(c *fiber.Ctx, nonce string, secure bool) {
	c.Cookie(&fiber.Cookie{
		Name: csrfCookieName(secure), Value: nonce, Path: "/", HTTPOnly: true,
		Secure: secure, SameSite: fiber.CookieSameSiteLaxMode,
		MaxAge: 60 * 60 * 24 * 30,
	})
}
