// Package apptest builds a complete Frontdesk app on a test database and
// drives it like a browser: a client with a cookie jar that echoes the CSRF
// token the way the pages' forms do, and goquery for assertions.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Option adjusts the configuration before the app is built.
type Option func(*app.Config)

// New builds an app on backend b with a temp data directory. The app is
// closed at cleanup.
func New(t testing.TB, b dbtest.Backend, opts ...Option) *app.App {
	t.Helper()
	cfg := app.Config{
		Addr:           "127.0.0.1:0",
		DataDir:        t.TempDir(),
		DB:             b.URL,
		BaseURL:        "http://frontdesk.test",
		SupportAddress: "support@frontdesk.test",
		LogLevel:       "info",
		LogFormat:      "text",
		KBSearchCache:  app.DefaultKBSearchCache,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Normalize(); err != nil {
		t.Fatalf("config: %v", err)
	}
	var log *slog.Logger
	if os.Getenv("FRONTDESK_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := app.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Serve runs a on a real loopback listener (for browsers and other
// processes) until the test ends, and returns its base URL.
func Serve(t testing.TB, a *app.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// Client sends requests to the app in-process, keeping cookies.
type Client struct {
	t       testing.TB
	a       *app.App
	cookies map[string]string
	// Header is added to every request (e.g. HX-Request).
	Header http.Header

	csrf, csrfFor string // the last token read from a page, and for what state
}

// NewClient returns a client with an empty cookie jar.
func NewClient(t testing.TB, a *app.App) *Client {
	return &Client{t: t, a: a, cookies: map[string]string{}, Header: http.Header{}}
}

// Do sends req with the jar's cookies and stores the response's cookies.
func (c *Client) Do(req *http.Request) *http.Response {
	c.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.a.Fiber.Test(req, -1)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return resp
}

// Get fetches path.
func (c *Client) Get(path string) *http.Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return c.Do(req)
}

// PostForm submits a form the way a page would: with the CSRF token from
// the cookie in the _csrf field. It GETs "/" first when no token is known.
func (c *Client) PostForm(path string, form url.Values) *http.Response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get(web.CSRFField) == "" {
		form.Set(web.CSRFField, c.CSRF())
	}
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// CSRF returns the token the pages show this browser (it is bound to the
// session, so it changes at login and logout), fetching a page to read it
// when the session or the browser's CSRF cookie changed. The page is
// fetched without the flash cookie, so a pending message stays pending.
func (c *Client) CSRF() string {
	c.t.Helper()
	if c.csrf != "" && c.csrfFor == c.csrfState() {
		return c.csrf
	}
	for _, path := range []string{"/", "/login"} {
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		for k, v := range c.cookies {
			if k != "fd_flash" {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
		}
		resp, err := c.a.Fiber.Test(req, -1)
		if err != nil {
			c.t.Fatalf("GET %s for the CSRF token: %v", path, err)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == "fd_flash" {
				continue
			}
			if ck.MaxAge < 0 || ck.Value == "" {
				delete(c.cookies, ck.Name)
			} else {
				c.cookies[ck.Name] = ck.Value
			}
		}
		body := Body(c.t, resp)
		if m := csrfInPage.FindStringSubmatch(body); m != nil {
			c.csrf, c.csrfFor = m[1], c.csrfState()
			return c.csrf
		}
	}
	c.t.Fatal("no page showed a CSRF token")
	return ""
}

var csrfInPage = regexp.MustCompile(`"X-CSRF-Token": "([^"]+)"`)

// csrfState is what the CSRF token depends on: the session and the
// browser's pre-session cookie.
func (c *Client) csrfState() string {
	return c.cookies["fd_session"] + "|" + c.cookies[web.CSRFCookie] + "|" + c.cookies["__Host-"+web.CSRFCookie]
}

// Cookie returns the value of a cookie in the jar.
func (c *Client) Cookie(name string) string { return c.cookies[name] }

// SetCookie puts a cookie into the jar.
func (c *Client) SetCookie(name, value string) { c.cookies[name] = value }

// Body reads and closes the response body.
func Body(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Doc parses an HTML response for goquery assertions.
func Doc(t testing.TB, resp *http.Response) *goquery.Document {
	t.Helper()
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Values is shorthand for building form values: Values("a", "1", "b", "2").
func Values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// Metrics returns what the --metrics-addr listener would serve at
// /metrics (it is not on the public listener).
func Metrics(t testing.TB, a *app.App) string {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}
