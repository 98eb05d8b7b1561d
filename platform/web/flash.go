package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

const flashCookie = "fd_flash"

// processKey seals flash messages of requests that did not pass the CSRF
// middleware (which carries the server key).
var processKey = randomBytes(32)

// Flash is a one-time message shown on the next page the user sees.
type Flash struct {
	Kind    string `json:"k"` // "success", "info", "error"
	Message string `json:"m"`
}

// SetFlash stores a message for the next rendered page (after a redirect).
// The cookie is sealed (AES-GCM under the server key), so the addresses
// and names messages mention never travel readable, and it is Secure on an
// https portal.
func SetFlash(c *fiber.Ctx, kind, message string) {
	b, _ := json.Marshal(Flash{Kind: kind, Message: message})
	key, secure := flashKey(c)
	aead := flashAEAD(key)
	nonce := randomBytes(aead.NonceSize())
	sealed := aead.Seal(nonce, nonce, b, []byte(flashCookie))
	c.Cookie(&fiber.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: "/", HTTPOnly: true, Secure: secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func flashKey(c *fiber.Ctx) (key []byte, secure bool) {
	if st, ok := c.Locals(localCSRF).(*csrfState); ok {
		return st.cfg.Key, st.cfg.Secure
	}
	return processKey, false
}

func flashAEAD(key []byte) cipher.AEAD {
	k := sha256.Sum256(append([]byte("frontdesk flash\x00"), key...))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
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
	key, _ := flashKey(c)
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil
	}
	aead := flashAEAD(key)
	if len(sealed) < aead.NonceSize() {
		return nil
	}
	b, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(flashCookie))
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
