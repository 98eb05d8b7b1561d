package app_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestShellOnEveryBackend(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		c := apptest.NewClient(t, a)

		t.Run("home page", func(t *testing.T) {
			resp := c.Get("/")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET / = %d", resp.StatusCode)
			}
			for h, want := range map[string]string{
				"Content-Security-Policy": "script-src 'self'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "strict-origin-when-cross-origin",
			} {
				if got := resp.Header.Get(h); !strings.Contains(got, want) {
					t.Errorf("%s = %q, want it to contain %q", h, got, want)
				}
			}
			if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("CSP lacks frame-ancestors")
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			doc := apptest.Doc(t, resp)
			if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
				t.Errorf("html lang = %q", lang)
			}
			if n := doc.Find("h1").Length(); n != 1 {
				t.Errorf("%d h1 elements", n)
			}
			src, ok := doc.Find(`script[src*="htmx"]`).Attr("src")
			if !ok || !strings.Contains(src, "?v=") {
				t.Errorf("htmx script src = %q, want a content-hashed URL", src)
			}
			if doc.Find(".site-header .brand").Text() == "" {
				t.Error("no brand in header")
			}
			hx, _ := doc.Find("body").Attr("hx-headers")
			// The token is bound to the browser's cookie, never the cookie itself.
			if tok := c.CSRF(); !strings.Contains(hx, tok) || c.Cookie("fd_csrf") == "" || strings.Contains(hx, c.Cookie("fd_csrf")) {
				t.Errorf("body hx-headers %q does not carry the CSRF token %q", hx, tok)
			}
		})

		t.Run("unknown page is a friendly HTML 404", func(t *testing.T) {
			resp := c.Get("/no/such/page")
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d", resp.StatusCode)
			}
			doc := apptest.Doc(t, resp)
			if got := doc.Find("h1").Text(); got != "Page not found" {
				t.Errorf("h1 = %q", got)
			}
			if doc.Find(`a[href="/"]`).Length() == 0 {
				t.Error("404 page has no way home")
			}
		})

		t.Run("unknown API path is JSON", func(t *testing.T) {
			resp := c.Get("/api/v1/nope")
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			var body map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["error"] == "" {
				t.Fatalf("body %v, err %v", body, err)
			}
		})

		t.Run("health, readiness and metrics", func(t *testing.T) {
			if resp := c.Get("/healthz"); resp.StatusCode != 200 {
				t.Errorf("healthz %d", resp.StatusCode)
			}
			resp := c.Get("/readyz")
			body := apptest.Body(t, resp)
			if resp.StatusCode != 200 || !strings.Contains(body, `"ready"`) {
				t.Errorf("readyz %d %s", resp.StatusCode, body)
			}
			metrics := apptest.Metrics(t, a)
			for _, want := range []string{
				`frontdesk_http_requests_total{method="GET",route="/healthz",status="200"}`,
				"frontdesk_http_request_duration_seconds_bucket",
				"go_goroutines",
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
		})

		t.Run("branding comes from settings", func(t *testing.T) {
			if err := a.Settings.Set(context.Background(), map[string]string{
				"brand.name": "Acme Help", "brand.color": "#fde047",
			}); err != nil {
				t.Fatal(err)
			}
			doc := apptest.Doc(t, c.Get("/"))
			if got := strings.TrimSpace(doc.Find(".site-header .brand").Text()); got != "Acme Help" {
				t.Errorf("brand = %q", got)
			}
			if got := doc.Find("title").Text(); !strings.Contains(got, "Acme Help") {
				t.Errorf("title = %q", got)
			}
			css := apptest.Body(t, c.Get("/brand.css"))
			if !strings.Contains(css, "--brand:#fde047") || !strings.Contains(css, "--brand-contrast:#111827") {
				t.Errorf("brand.css = %q", css)
			}
		})

		t.Run("migrations are all applied and re-running is a no-op", func(t *testing.T) {
			applied, err := database.Migrate(context.Background(), a.DB)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second migrate applied %v, err %v", applied, err)
			}
			pending, err := database.Pending(context.Background(), a.DB)
			if err != nil || len(pending) != 0 {
				t.Fatalf("pending %v, err %v", pending, err)
			}
		})
	})
}

func TestStaticAssetsAreCachedAndCompressed(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	c := apptest.NewClient(t, a)
	url := a.Assets.URL("vendor/htmx-2.0.11.min.js")
	if !strings.Contains(url, "?v=") {
		t.Fatalf("asset URL %q has no content hash", url)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp := c.Do(req)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control = %q", cc)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("not compressed: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(zr)
	if !strings.Contains(string(js), "htmx") {
		t.Error("served file is not htmx")
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req, _ = http.NewRequest("GET", "/static/vendor/htmx-2.0.11.min.js", nil)
	req.Header.Set("If-None-Match", etag)
	if resp := c.Do(req); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation status %d, want 304", resp.StatusCode)
	}
	if resp := c.Get("/static/nope.js"); resp.StatusCode != 404 {
		t.Errorf("missing asset status %d", resp.StatusCode)
	}
}

// TestRoutesAreCaseSensitive: one spelling per route, so a path's case
// cannot reach a handler through a different middleware chain (under
// /API/… the session cookie used to authenticate the JSON API).
func TestRoutesAreCaseSensitive(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	c := apptest.NewClient(t, a)
	for path, want := range map[string]int{"/healthz": 200, "/HEALTHZ": 404, "/api/v1/me": 401, "/API/v1/me": 404, "/Api/V1/Me": 404} {
		resp := c.Get(path)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}
