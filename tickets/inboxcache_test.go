package tickets_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

// The inbox keeps rendered rows between polls (inboxcache.go); what an
// agent sees must still change with the very next request after any
// ticket write, whoever made it.
func TestInboxShowsEveryChangeAtOnce(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newFixture(t, b)
		a, err := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: "Printer on fire", Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
		alice := f.client(t, f.alice)
		poll := func(path string) string {
			t.Helper()
			alice.Header.Set("HX-Request", "true")
			defer alice.Header.Del("HX-Request")
			resp := alice.Get(path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			return apptest.Body(t, resp)
		}
		for i := 0; i < 2; i++ { // the second answer comes from memory
			if got := poll("/agent"); !strings.Contains(got, "Printer on fire") {
				t.Fatalf("poll %d: new ticket not in Unassigned: %s", i, got)
			}
		}

		// Bob takes it: gone from Unassigned at once, in Bob's Mine, not
		// in Alice's Mine.
		bobID := f.bob.ID
		if _, err := f.svc.Change(f.ctx, a.ID, f.bob.ID, tickets.Changes{Assignee: &bobID}); err != nil {
			t.Fatal(err)
		}
		if got := poll("/agent"); strings.Contains(got, "Printer on fire") || !strings.Contains(got, "No tickets here.") {
			t.Fatalf("assigned ticket still in Unassigned: %s", got)
		}
		if got := poll("/agent?view=mine"); strings.Contains(got, "Printer on fire") {
			t.Fatalf("Bob's ticket in Alice's Mine: %s", got)
		}
		bob := f.client(t, f.bob)
		bob.Header.Set("HX-Request", "true")
		if got := apptest.Body(t, bob.Get("/agent?view=mine")); !strings.Contains(got, "Printer on fire") {
			t.Fatalf("not in Bob's Mine: %s", got)
		}
		if got := poll("/agent?view=open"); !strings.Contains(got, "Bob Agent") {
			t.Fatalf("All open does not name the assignee: %s", got)
		}

		// A write this process did not make (another node, or `mail
		// fetch`): only the database and its change-log row tell.
		if _, err := f.app.DB.ExecContext(f.ctx, "UPDATE tickets SET subject = ? WHERE id = ?", "Printer fixed", a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.DB.ExecContext(f.ctx, "INSERT INTO tickets_changes (ticket_id, created_at) VALUES (?, ?)", a.ID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if got := poll("/agent?view=open"); !strings.Contains(got, "Printer fixed") {
			t.Fatalf("a change logged elsewhere is not shown: %s", got)
		}
		// The full page carries the same rows.
		if got := apptest.Body(t, alice.Get("/agent?view=open")); !strings.Contains(got, "Printer fixed") || !strings.Contains(got, "<html") {
			t.Fatalf("full page: %.300s", got)
		}

		// Compressed answers (stored compressed once) hold the same rows.
		req, _ := http.NewRequest(http.MethodGet, "/agent?view=open", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Accept-Encoding", "gzip")
		resp := alice.Do(req)
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("gzip headers: %v", resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if !strings.Contains(string(body), "Printer fixed") || strings.Contains(string(body), "<html") {
			t.Fatalf("gzip body: %.300s", body)
		}
	})
}
