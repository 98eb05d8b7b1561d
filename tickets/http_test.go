package tickets_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
	"github.com/frontdesk/frontdesk/tickets"
)

func (f *fixture) client(t *testing.T, u *accounts.User) *apptest.Client {
	t.Helper()
	c := apptest.NewClient(t, f.app)
	secret, _, err := f.acc.CreateSession(f.ctx, u, false, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c.SetCookie(accounts.SessionCookie, secret)
	return c
}

func (f *fixture) token(t *testing.T, u *accounts.User) string {
	t.Helper()
	secret, _, err := f.acc.CreateAPIToken(f.ctx, u.ID, "test", accounts.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// postMultipart sends a form with files like a browser.
func postMultipart(t *testing.T, c *apptest.Client, path string, fields map[string]string, files map[string][]byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField(web.CSRFField, c.CSRF())
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		fw, _ := w.CreateFormFile("files", name)
		fw.Write(data)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

func TestPortalRequestWithAttachmentsAndLimit(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b, func(c *app.Config) { c.AttachmentMaxBytes = 1000 })
		carol := f.client(t, f.carol)
		// Over the limit: refused, the limit named, the text kept.
		resp := postMultipart(t, carol, "/tickets", map[string]string{"subject": "Broken upload", "text": "Keep this text"},
			map[string][]byte{"big.bin": bytes.Repeat([]byte("x"), 1500)})
		body := apptest.Body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "1000 bytes limit") && !strings.Contains(body, "1000 bytes") {
			t.Fatalf("over the limit: %d %s", resp.StatusCode, body)
		}
		if !strings.Contains(body, "Keep this text") || !strings.Contains(body, `value="Broken upload"`) {
			t.Fatalf("the form lost the input: %s", body)
		}
		// Within it: a ticket with the file; the page shows it, the download
		// is an attachment with nosniff.
		resp = postMultipart(t, carol, "/tickets", map[string]string{"subject": "Screenshot", "text": "See the picture"},
			map[string][]byte{"shot.html": []byte("<script>alert(1)</script>")})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tickets/1001" {
			t.Fatalf("create: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		doc := apptest.Doc(t, carol.Get("/tickets/1001"))
		href, ok := doc.Find(".tk-attachments a[download]").Attr("href")
		if !ok {
			t.Fatal("no attachment link on the ticket page")
		}
		resp = carol.Get(href)
		got := apptest.Body(t, resp)
		if resp.StatusCode != 200 || got != "<script>alert(1)</script>" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %q %v", resp.StatusCode, got, resp.Header)
		}
		// Somebody else asking for it gets 404.
		if resp := f.client(t, f.eve).Get(href); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("eve downloading carol's file: %d", resp.StatusCode)
		}
	})
}

func TestInternalNotesNeverReachCustomers(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		tk, _ := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: "Refund", Text: "Please refund"})
		alice := f.client(t, f.alice)
		resp := alice.PostForm(fmt.Sprintf("/agent/tickets/%d/messages", tk.Number), apptest.Values("text", "NOTE: customer is on probation", "kind", "note"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("note: %d", resp.StatusCode)
		}
		resp = alice.PostForm(fmt.Sprintf("/agent/tickets/%d/messages", tk.Number), apptest.Values("text", "Refund is on its way", "kind", "reply"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		agentPage := apptest.Body(t, alice.Get(fmt.Sprintf("/agent/tickets/%d", tk.Number)))
		if !strings.Contains(agentPage, "NOTE: customer is on probation") {
			t.Fatal("the agent page lacks the note")
		}
		carol := f.client(t, f.carol)
		for _, path := range []string{fmt.Sprintf("/tickets/%d", tk.Number), "/tickets"} {
			page := apptest.Body(t, carol.Get(path))
			if strings.Contains(page, "probation") {
				t.Errorf("%s shows the internal note to the customer", path)
			}
		}
		// Searching for the note's words finds nothing for the customer.
		if page := apptest.Body(t, carol.Get("/tickets?q=probation")); strings.Contains(page, fmt.Sprintf(`href="/tickets/%d"`, tk.Number)) {
			t.Error("a customer's search matched the internal note")
		}
		if page := apptest.Body(t, carol.Get(fmt.Sprintf("/tickets/%d", tk.Number))); !strings.Contains(page, "Refund is on its way") {
			t.Error("the customer does not see the reply")
		}
		req, _ := http.NewRequest("GET", fmt.Sprintf("/api/v1/tickets/%d", tk.Number), nil)
		req.Header.Set("Authorization", "Bearer "+f.token(t, f.carol))
		resp = apptest.NewClient(t, f.app).Do(req)
		var api struct {
			Ticket   map[string]any   `json:"ticket"`
			Messages []map[string]any `json:"messages"`
		}
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &api); err != nil || resp.StatusCode != 200 {
			t.Fatalf("api: %d %s", resp.StatusCode, raw)
		}
		if strings.Contains(string(raw), "probation") || len(api.Messages) != 2 || api.Ticket["number"].(float64) != float64(tk.Number) {
			t.Fatalf("api answer to the customer: %s", raw)
		}
		for _, e := range f.outbox(t) {
			if strings.Contains(e.TextBody+e.HTMLBody, "probation") {
				t.Errorf("mail carries the note: %s", e.Subject)
			}
		}
		// Eve may not reply to Carol's ticket: 404 like a missing one.
		resp = f.client(t, f.eve).PostForm(fmt.Sprintf("/tickets/%d/messages", tk.Number), apptest.Values("text", "hi"))
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("eve replying: %d", resp.StatusCode)
		}
	})
}

func TestAPICreateListReplyAndChange(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		c := apptest.NewClient(t, f.app)
		call := func(method, path, token, body string) (int, map[string]any) {
			req, _ := http.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp := c.Do(req)
			raw, _ := io.ReadAll(resp.Body)
			var out map[string]any
			json.Unmarshal(raw, &out)
			return resp.StatusCode, out
		}
		carol, alice := f.token(t, f.carol), f.token(t, f.alice)
		if st, out := call("POST", "/api/v1/tickets", carol, `{"subject":"API","text":""}`); st != 422 || out["error"] == nil {
			t.Fatalf("bad create: %d %v", st, out)
		}
		st, out := call("POST", "/api/v1/tickets", carol, `{"subject":"From the API","text":"Hello"}`)
		if st != 201 || out["ticket"].(map[string]any)["channel"] != "api" {
			t.Fatalf("create: %d %v", st, out)
		}
		st, out = call("POST", "/api/v1/tickets", alice, `{"subject":"For a new contact","text":"Called us","requester":{"email":"new@person.test"}}`)
		if st != 201 || out["ticket"].(map[string]any)["requester"].(map[string]any)["email"] != "new@person.test" {
			t.Fatalf("agent create for a contact: %d %v", st, out)
		}
		st, out = call("PATCH", "/api/v1/tickets/1001", alice, `{"status":"pending","priority":"high","assignee":{"email":"bob@desk.test"},"tags":["api","Billing"]}`)
		tk, _ := out["ticket"].(map[string]any)
		if st != 200 || tk["status"] != "pending" || tk["assignee"].(map[string]any)["email"] != "bob@desk.test" || fmt.Sprint(tk["tags"]) != "[api billing]" {
			t.Fatalf("change: %d %v", st, out)
		}
		if st, _ := call("PATCH", "/api/v1/tickets/1001", carol, `{"status":"closed"}`); st != 404 {
			t.Fatalf("customer changing fields: %d", st)
		}
		if st, out := call("POST", "/api/v1/tickets/1001/messages", carol, `{"text":"Any news?","public":true}`); st != 201 || out["message"].(map[string]any)["public"] != true {
			t.Fatalf("reply: %d %v", st, out)
		}
		st, out = call("GET", "/api/v1/tickets?limit=1", alice, "")
		if st != 200 || len(out["tickets"].([]any)) != 1 || out["next_cursor"] == nil {
			t.Fatalf("list page 1: %d %v", st, out)
		}
		st, out = call("GET", "/api/v1/tickets?limit=1&cursor="+out["next_cursor"].(string), alice, "")
		if st != 200 || len(out["tickets"].([]any)) != 1 || out["next_cursor"] != nil {
			t.Fatalf("list page 2: %d %v", st, out)
		}
		st, out = call("GET", "/api/v1/tickets", carol, "")
		if st != 200 || len(out["tickets"].([]any)) != 1 {
			t.Fatalf("carol's list: %d %v", st, out)
		}
	})
}
