// Package static embeds the CSS, images and the vendored htmx, and serves
// them under content-hashed URLs so browsers may cache them forever.
//
// Vendored: htmx.org 2.0.11 (npm pack htmx.org@2.0.11, dist/htmx.min.js),
// BSD Zero Clause licence in vendor/htmx-LICENSE.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed all:css all:js all:img all:vendor
var files embed.FS

// Prefix is where assets are served.
const Prefix = "/static/"

type asset struct {
	body        []byte
	hash        string
	contentType string
}

// Assets is the set of embedded files with their content hashes.
type Assets struct {
	byName map[string]asset
}

// New reads every embedded file once and hashes it.
func New() (*Assets, error) {
	a := &Assets{byName: map[string]asset{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byName[p] = asset{body: b, hash: hex.EncodeToString(sum[:8]), contentType: ct}
		return nil
	})
	return a, err
}

// URL returns the cache-busting URL of an embedded file, e.g.
// "/static/css/app.css?v=1a2b3c4d5e6f7a8b". An unknown name still yields a
// URL (it will 404) so a typo shows up in the browser, not as a panic.
func (a *Assets) URL(name string) string {
	if f, ok := a.byName[name]; ok {
		return Prefix + name + "?v=" + f.hash
	}
	return Prefix + name
}

// Handler serves the embedded files. A request carrying the current hash is
// cacheable for a year; any request gets an ETag for revalidation.
func (a *Assets) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := strings.TrimPrefix(c.Path(), Prefix)
		f, ok := a.byName[name]
		if !ok {
			return fiber.ErrNotFound
		}
		etag := `"` + f.hash + `"`
		c.Set(fiber.HeaderETag, etag)
		if c.Query("v") == f.hash {
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			c.Set(fiber.HeaderCacheControl, "public, max-age=0, must-revalidate")
		}
		if c.Get(fiber.HeaderIfNoneMatch) == etag {
			return c.SendStatus(fiber.StatusNotModified)
		}
		c.Set(fiber.HeaderContentType, f.contentType)
		return c.Send(f.body)
	}
}
