package web

import (
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

func testApp(t *testing.T) *fiber.App {
	t.Helper()
	views := fstest.MapFS{
		"page.html":     {Data: []byte(`<html><body>page {{template "frag" .}}</body></html>{{define "frag"}}<p id="f">{{.Msg}}</p>{{end}}`)},
		"_partial.html": {Data: []byte(`<p id="f">{{.Msg}}</p>`)},
		"flash.html":    {Data: []byte(`{{with .Flash}}{{.Kind}}:{{.Message}}{{end}}`)},
	}
	engine := html.NewFileSystem(http.FS(views), ".html")
	app := fiber.New(fiber.Config{Views: engine})
	app.Use(CSRF(false))
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
	var token string
	for _, c := range resp.Cookies() {
		if c.Name == CSRFCookie {
			token = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie flags: %+v", c)
			}
		}
	}
	if len(token) < 32 {
		t.Fatalf("no CSRF cookie issued: %q", token)
	}
	post := func(form url.Values, header, cookie, auth string) int {
		req := httptest.NewRequest("POST", "/change", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if header != "" {
			req.Header.Set(CSRFHeader, header)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: cookie})
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, _ := do(t, app, req)
		return resp.StatusCode
	}
	cases := []struct {
		name   string
		status int
		form   url.Values
		header string
		cookie string
		auth   string
	}{
		{"no token", 403, nil, "", token, ""},
		{"form field matches cookie", 200, url.Values{CSRFField: {token}}, "", token, ""},
		{"htmx header matches cookie", 200, nil, token, token, ""},
		{"token from another browser", 403, url.Values{CSRFField: {strings.Repeat("x", 43)}}, "", token, ""},
		{"no cookie at all", 403, url.Values{CSRFField: {token}}, "", "", ""},
		{"bearer API request is exempt", 200, nil, "", "", "Bearer abc"},
	}
	for _, tc := range cases {
		if got := post(tc.form, tc.header, tc.cookie, tc.auth); got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
		}
	}
}

func TestRedirectAndFlash(t *testing.T) {
	app := testApp(t)
	resp, _ := do(t, app, httptest.NewRequest("GET", "/page", nil))
	var cookies []*http.Cookie
	cookies = append(cookies, resp.Cookies()...)
	token := cookies[0].Value

	req := httptest.NewRequest("POST", "/go", nil)
	req.Header.Set(CSRFHeader, token)
	req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: token})
	req.Header.Set("HX-Request", "true")
	resp, _ = do(t, app, req)
	if resp.Header.Get("HX-Redirect") != "/done" {
		t.Errorf("htmx redirect: status %d HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}

	req = httptest.NewRequest("POST", "/flash", nil)
	req.Header.Set(CSRFHeader, token)
	req.AddCookie(&http.Cookie{Name: CSRFCookie, Value: token})
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
