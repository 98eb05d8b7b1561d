package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func testApp(t *testing.T) *fiber.App { return testAppSecure(t, false) }

func testAppSecure(t *testing.T, secure bool) *fiber.App {
	t.Helper()
	views := fstest.MapFS{
		"page.html":     {Data: []byte(`<html><body>page {{template "frag" .}}</body></html>{{define "frag"}}<p id="f">{{.Msg}}</p>{{end}}`)},
		"_partial.html": {Data: []byte(`<p id="f">{{.Msg}}</p>`)},
		"flash.html":    {Data: []byte(`{{with .Flash}}{{.Kind}}:{{.Message}}{{end}}`)},
	}
	engine := html.NewFileSystem(http.FS(views), ".html")
	app := fiber.New(fiber.Config{Views: engine})
	app.Use(CSRF(CSRFConfig{
		Secure: secure, Key: testKey,
		// Stand-ins for the accounts middleware.
		Session:            func(c *fiber.Ctx) string { return c.Get("X-Test-Session") },
		TokenAuthenticated: func(c *fiber.Ctx) bool { return c.Get("X-Test-Bearer-Valid") == "yes" },
	}))
	app.Get("/page", func(c *fiber.Ctx) error {
		return Render(c, "page", "_partial", fiber.Map{"Msg": "<hi>"})
	})
	app.Post("/change", func(c *fiber.Ctx) error { return c.SendString("changed") })
	app.Post("/go", func(c *fiber.Ctx) error { return Redirect(c, "/done") })
	app.Post("/flash", func(c *fiber.Ctx) error {
		SetFlash(c, "success", "Saved")
		return Redirect(c, "/flash")
	})
	app.Get("/flash", func(c *fiber.Ctx) error { return Render(c, "flash", "", nil) })
	return app
}

func do(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRenderPicksFragmentForHTMXOnly(t *testing.T) {
	app := testApp(t)
	tests := []struct {
		name     string
		headers  map[string]string
		wantPage bool
	}{
		{"plain browser", nil, true},
		{"htmx partial", map[string]string{"HX-Request": "true"}, false},
		{"boosted navigation needs the page", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, true},
		{"history restore needs the page", map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/page", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, body := do(t, app, req)
			if got := strings.Contains(body, "<html>"); got != tt.wantPage {
				t.Errorf("full page = %v, want %v: %s", got, tt.wantPage, body)
			}
			if !strings.Contains(body, "&lt;hi&gt;") {
				t.Errorf("data not escaped: %s", body)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
				t.Errorf("Vary = %q", resp.Header.Get("Vary"))
			}
		})
	}
}

func TestCSRFProtectsStateChanges(t *testing.T) {
	app := testApp(t)
	resp, _ := do(t, app, httptest.NewRequest("GET", "/page", nil))
	var nonce string
	for _, c := range resp.Cookies() {
		if c.Name == CSRFCookie {
			nonce = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie flags: %+v", c)
			}
		}
	}
	if len(nonce) < 32 {
		t.Fatalf("no CSRF cookie issued: %q", nonce)
	}
	visitor := CSRFTokenFor(testKey, nonce)
	session7 := csrfMAC(testKey, "session", "7")
	type req struct {
		form    url.Values
		headers map[string]string
		cookie  string
	}
	post := func(r req) int {
		hr := httptest.NewRequest("POST", "/change", strings.NewReader(r.form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range r.headers {
			hr.Header.Set(k, v)
		}
		if r.cookie != "" {
			hr.AddCookie(&http.Cookie{Name: CSRFCookie, Value: r.cookie})
		}
		resp, _ := do(t, app, hr)
		return resp.StatusCode
	}
	planted := strings.Repeat("p", 43)
	cases := []struct {
		name   string
		status int
		r      req
	}{
		{"no token", 403, req{cookie: nonce}},
		{"form field carries the browser's token", 200, req{form: url.Values{CSRFField: {visitor}}, cookie: nonce}},
		{"htmx header carries the browser's token", 200, req{headers: map[string]string{CSRFHeader: visitor}, cookie: nonce}},
		{"the cookie's own value is not a token", 403, req{form: url.Values{CSRFField: {nonce}}, cookie: nonce}},
		{"planted cookie with a matching field", 403, req{form: url.Values{CSRFField: {planted}}, cookie: planted}},
		{"token of another browser", 403, req{form: url.Values{CSRFField: {CSRFTokenFor(testKey, planted)}}, cookie: nonce}},
		{"no cookie at all", 403, req{form: url.Values{CSRFField: {visitor}}}},
		{"other key", 403, req{form: url.Values{CSRFField: {CSRFTokenFor([]byte("another key of thirty-two bytes!"), nonce)}}, cookie: nonce}},
		{"any bearer header does not exempt", 403, req{headers: map[string]string{"Authorization": "Bearer abc"}, cookie: nonce}},
		{"a request a bearer token authenticated is exempt", 200, req{headers: map[string]string{"Authorization": "Bearer abc", "X-Test-Bearer-Valid": "yes"}}},
		{"signed in: the session's token", 200, req{form: url.Values{CSRFField: {session7}}, headers: map[string]string{"X-Test-Session": "7"}, cookie: nonce}},
		{"signed in: the pre-session token no longer works", 403, req{form: url.Values{CSRFField: {visitor}}, headers: map[string]string{"X-Test-Session": "7"}, cookie: nonce}},
		{"signed in: another session's token", 403, req{form: url.Values{CSRFField: {session7}}, headers: map[string]string{"X-Test-Session": "8"}, cookie: nonce}},
		{"signed in: a planted cookie changes nothing", 200, req{form: url.Values{CSRFField: {session7}}, headers: map[string]string{"X-Test-Session": "7"}, cookie: planted}},
		{"cross-site request with the right token", 403, req{form: url.Values{CSRFField: {visitor}}, headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, cookie: nonce}},
	}
	for _, tc := range cases {
		if got := post(tc.r); got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
		}
	}
}

func TestCSRFCookieCannotBeSetBySiblingOnHTTPS(t *testing.T) {
	app := testAppSecure(t, true)
	resp, _ := do(t, app, httptest.NewRequest("GET", "/page", nil))
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, CSRFCookie) {
			if c.Name != "__Host-"+CSRFCookie || !c.Secure || c.Path != "/" || c.Domain != "" {
				t.Errorf("CSRF cookie on https: %+v, want __Host-%s, Secure, Path=/", c, CSRFCookie)
			}
			return
		}
	}
	t.Fatal("no CSRF cookie")
}

func TestRedirectAndFlash(t *testing.T) {
	app := testApp(t)
	resp, _ := do(t, app, httptest.NewRequest("GET", "/page", nil))
	var cookies []*http.Cookie
	cookies = append(cookies, resp.Cookies()...)
	nonce := cookies[0].Value
	token := CSRFTokenFor(testKey, nonce)

	req := httptest.NewRequest("POST", "/go", nil)
	req.Header.Set(CSRFHeader, token)
	req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: nonce})
	req.Header.Set("HX-Request", "true")
	resp, _ = do(t, app, req)
	if resp.Header.Get("HX-Redirect") != "/done" {
		t.Errorf("htmx redirect: status %d HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}

	req = httptest.NewRequest("POST", "/flash", nil)
	req.Header.Set(CSRFHeader, token)
	req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: nonce})
	resp, _ = do(t, app, req)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/flash" {
		t.Fatalf("plain redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == flashCookie {
			flash = c
		}
	}
	if flash == nil {
		t.Fatal("no flash cookie")
	}
	req = httptest.NewRequest("GET", "/flash", nil)
	req.AddCookie(flash)
	resp, body := do(t, app, req)
	if body != "success:Saved" {
		t.Errorf("flash page = %q", body)
	}
	cleared := false
	for _, c := range resp.Cookies() {
		if c.Name == flashCookie && (c.MaxAge < 0 || c.Value == "" || !c.Expires.IsZero()) {
			cleared = true
		}
	}
	if !cleared {
		t.Error("flash cookie not cleared after showing")
	}
}

// The flash cookie is sealed (the addresses messages mention never travel
// readable) and Secure on an https portal.
func TestFlashCookieIsSealedAndSecureOnHTTPS(t *testing.T) {
	for _, secure := range []bool{false, true} {
		app := testAppSecure(t, secure)
		app.Post("/flash-email", func(c *fiber.Ctx) error {
			SetFlash(c, "info", "We sent a link to someone@example.com.")
			return Redirect(c, "/flash")
		})
		resp, _ := do(t, app, httptest.NewRequest("GET", "/page", nil))
		nonce := resp.Cookies()[0]
		req := httptest.NewRequest("POST", "/flash-email", nil)
		req.Header.Set(CSRFHeader, CSRFTokenFor(testKey, nonce.Value))
		req.AddCookie(&http.Cookie{Name: nonce.Name, Value: nonce.Value})
		resp, _ = do(t, app, req)
		var flash *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == flashCookie {
				flash = c
			}
		}
		if flash == nil {
			t.Fatalf("secure=%v: no flash cookie (status %d)", secure, resp.StatusCode)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(flash.Value)
		if strings.Contains(flash.Value+string(raw), "someone") || strings.Contains(string(raw), "example.com") {
			t.Errorf("secure=%v: flash cookie carries the address readable: %q", secure, raw)
		}
		if flash.Secure != secure {
			t.Errorf("flash cookie Secure = %v on secure=%v", flash.Secure, secure)
		}
		req = httptest.NewRequest("GET", "/flash", nil)
		req.AddCookie(&http.Cookie{Name: nonce.Name, Value: nonce.Value})
		req.AddCookie(&http.Cookie{Name: flash.Name, Value: flash.Value})
		if _, body := do(t, app, req); body != "info:We sent a link to someone@example.com." {
			t.Errorf("secure=%v: flash page = %q", secure, body)
		}
		// A forged cookie shows nothing.
		forged, _ := json.Marshal(Flash{Kind: "error", Message: "Your account is locked, call 555"})
		req = httptest.NewRequest("GET", "/flash", nil)
		req.AddCookie(&http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(forged)})
		if _, body := do(t, app, req); body != "" {
			t.Errorf("forged flash shown: %q", body)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/tickets?x=1":        "/tickets?x=1",
		"":                    "/",
		"https://evil.test/":  "/",
		"//evil.test/":        "/",
		"/\\evil.test":        "/",
		"javascript:alert(1)": "/",
	} {
		if got := SafeNext(next, "/"); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
