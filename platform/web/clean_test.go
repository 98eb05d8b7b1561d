package web

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		"a\x00b":                   "ab",
		"tab\tnew\nline\r\n":       "tab\tnew\nline\r\n",
		"bell\x07 esc\x1b del\x7f": "bell esc del",
		"c1 \u0085 x":              "c1  x",
		"broken \xff\xfe utf-8":    "broken \uFFFD utf-8",
		"zoë 🙂":                    "zoë 🙂",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Issue 8 item 2: every query parameter, form field (url-encoded and
// multipart, file names too) and JSON string reaches handlers clean.
func TestCleanInputAtTheEdge(t *testing.T) {
	app := fiber.New()
	app.Use(CleanInput())
	seen := func(c *fiber.Ctx) error {
		var b strings.Builder
		b.WriteString(c.Query("q") + "|" + c.FormValue("name"))
		if fh, err := c.FormFile("file"); err == nil {
			b.WriteString("|" + fh.Filename)
		}
		if strings.HasPrefix(string(c.Request().Header.ContentType()), "application/json") {
			var v map[string]any
			if err := c.BodyParser(&v); err != nil {
				return err
			}
			b.WriteString("|" + v["text"].(string) + "|" + v["list"].([]any)[0].(string))
		}
		return c.SendString(b.String())
	}
	app.Get("/x", seen)
	app.Post("/x", seen)
	send := func(req *httptestRequest) string {
		resp, err := app.Test(req.r, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := send(newReq("GET", "/x?q=pass%00word%ff", "", nil)); got != "password\uFFFD|" {
		t.Errorf("query: %q", got)
	}
	if got := send(newReq("POST", "/x?q=a%01", "application/x-www-form-urlencoded", strings.NewReader("name=Eve%00%0D%0ABob"))); got != "a|Eve\r\nBob" {
		t.Errorf("url-encoded form: %q", got)
	}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("name", "multi\x00part")
	fw, _ := w.CreateFormFile("file", "evil\xff.png")
	_, _ = fw.Write([]byte("PNG"))
	_ = w.Close()
	if got := send(newReq("POST", "/x", w.FormDataContentType(), &mp)); got != "|multipart|evil\uFFFD.png" {
		t.Errorf("multipart: %q", got)
	}
	body := `{"text":"nul\u0000 and \u001b esc","list":["x\u0000y"],"n":12345678901234567890}`
	if got := send(newReq("POST", "/x", "application/json", strings.NewReader(body))); got != "||nul and  esc|xy" {
		t.Errorf("json: %q", got)
	}
}

type httptestRequest struct{ r *http.Request }

func newReq(method, target, ctype string, body io.Reader) *httptestRequest {
	r := httptest.NewRequest(method, target, body)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return &httptestRequest{r}
}

// A multipart body under a streamed-upload prefix reaches its handler
// untouched, as a stream it can still read (parsing it at the edge used to
// consume it, so every workspace upload failed).
func TestCleanInputLeavesStreamedUploadsToTheirHandler(t *testing.T) {
	app := fiber.New(fiber.Config{StreamRequestBody: true, DisablePreParseMultipartForm: true})
	app.Use(CleanInput("/w/"))
	app.Post("/w/up", func(c *fiber.Ctx) error {
		var body io.Reader = c.Context().RequestBodyStream()
		if body == nil {
			body = bytes.NewReader(c.Body())
		}
		_, params, _ := mime.ParseMediaType(c.Get("Content-Type"))
		part, err := multipart.NewReader(body, params["boundary"]).NextPart()
		if err != nil {
			return c.SendString("no part: " + err.Error())
		}
		data, _ := io.ReadAll(part)
		return c.SendString(part.FileName() + ":" + string(data))
	})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("files", "report.txt")
	fw.Write([]byte("hello"))
	mw.Close()
	req := httptest.NewRequest("POST", "/w/up", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != "report.txt:hello" {
		t.Fatalf("handler read %q, want the streamed part", got)
	}
}
