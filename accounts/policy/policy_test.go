package policy

import (
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/app/web"
)

// The cast every rule is checked against.
var (
	anon       *web.Identity
	unverified = &web.Identity{UserID: 10, Role: web.RoleCustomer, OrgID: 1}
	custA      = &web.Identity{UserID: 11, Role: web.RoleCustomer, OrgID: 1, Verified: true}
	custA2     = &web.Identity{UserID: 12, Role: web.RoleCustomer, OrgID: 1, Verified: true} // same org as A
	custB      = &web.Identity{UserID: 21, Role: web.RoleCustomer, OrgID: 2, Verified: true}
	loner      = &web.Identity{UserID: 31, Role: web.RoleCustomer, Verified: true} // no org
	agent      = &web.Identity{UserID: 40, Role: web.RoleAgent, Verified: true}
	admin      = &web.Identity{UserID: 50, Role: web.RoleAdmin, Verified: true}
)

type who struct {
	name string
	id   *web.Identity
}

var cast = []who{{"anonymous", anon}, {"unverified", unverified}, {"customerA", custA}, {"customerA2", custA2},
	{"customerB", custB}, {"loner", loner}, {"agent", agent}, {"admin", admin}}

func TestCan(t *testing.T) {
	ticketA := Ticket{RequesterID: custA.UserID, OrgID: 1}
	sharedA := Ticket{RequesterID: custA.UserID, OrgID: 1, OrgShared: true}
	lonerT := Ticket{RequesterID: loner.UserID}
	orgInv := Invoice{OrgID: 1}
	ownInv := Invoice{CustomerID: loner.UserID}
	wsA := Workspace{OrgID: 1, OrgHighValue: true, Member: true}
	wsANotHV := Workspace{OrgID: 1, OrgHighValue: false, Member: true}
	wsANotMember := Workspace{OrgID: 1, OrgHighValue: true}

	tests := []struct {
		action Action
		res    any
		allow  []string // names from cast; everyone else is denied
	}{
		{UseAgentDesk, nil, []string{"agent", "admin"}},
		{ManageKB, nil, []string{"agent", "admin"}},
		{Administer, nil, []string{"admin"}},
		{UseAccount, nil, []string{"unverified", "customerA", "customerA2", "customerB", "loner", "agent", "admin"}},
		{CreateTicket, nil, []string{"unverified", "customerA", "customerA2", "customerB", "loner", "agent", "admin"}},

		{ViewArticle, Article{Published: true}, []string{"anonymous", "unverified", "customerA", "customerA2", "customerB", "loner", "agent", "admin"}},
		{ViewArticle, Article{Published: false}, []string{"agent", "admin"}},
		{ViewArticle, nil, nil},
		{EditArticle, Article{Published: true}, []string{"agent", "admin"}},

		{ViewTicket, ticketA, []string{"customerA", "agent", "admin"}},
		{ReplyTicket, ticketA, []string{"customerA", "agent", "admin"}},
		{ViewTicket, sharedA, []string{"unverified", "customerA", "customerA2", "agent", "admin"}},
		{ViewTicket, lonerT, []string{"loner", "agent", "admin"}},
		{ViewTicket, Ticket{}, []string{"agent", "admin"}},
		{ViewTicket, Article{Published: true}, nil}, // wrong resource type
		{ViewInternalNotes, sharedA, []string{"agent", "admin"}},
		{AddInternalNote, ticketA, []string{"agent", "admin"}},
		{ManageTicket, ticketA, []string{"agent", "admin"}},

		{ViewInvoice, orgInv, []string{"unverified", "customerA", "customerA2", "agent", "admin"}},
		{ViewInvoice, ownInv, []string{"loner", "agent", "admin"}},
		{ViewInvoice, Invoice{}, []string{"agent", "admin"}},

		{ViewWorkspace, wsA, []string{"customerA", "customerA2", "agent", "admin"}},
		{ContributeWorkspace, wsA, []string{"customerA", "customerA2", "agent", "admin"}},
		{ViewWorkspace, wsANotHV, []string{"agent", "admin"}},
		{ViewWorkspace, wsANotMember, []string{"agent", "admin"}},
		{ManageWorkspace, wsA, []string{"admin"}},

		{ChangeUserRole, User{ID: custA.UserID}, []string{"admin"}},
		{ChangeUserRole, User{ID: admin.UserID}, nil}, // not oneself
		{DeactivateUser, User{ID: admin.UserID}, nil},
		{DeactivateUser, User{ID: agent.UserID}, []string{"admin"}},
		{EditUser, User{ID: admin.UserID}, []string{"admin"}},

		{Action("no.such.action"), nil, nil},
	}
	for _, tt := range tests {
		allowed := map[string]bool{}
		for _, n := range tt.allow {
			allowed[n] = true
		}
		for _, w := range cast {
			if got := Can(w.id, tt.action, tt.res); got != allowed[w.name] {
				t.Errorf("Can(%s, %s, %+v) = %v, want %v", w.name, tt.action, tt.res, got, allowed[w.name])
			}
		}
	}
}

func TestTicketScopeAgreesWithCan(t *testing.T) {
	tickets := []Ticket{
		{RequesterID: custA.UserID, OrgID: 1},
		{RequesterID: custA.UserID, OrgID: 1, OrgShared: true},
		{RequesterID: custA2.UserID, OrgID: 1, OrgShared: true},
		{RequesterID: custB.UserID, OrgID: 2},
		{RequesterID: loner.UserID},
	}
	in := func(s TicketScope, t Ticket) bool {
		switch {
		case s.None:
			return false
		case s.All:
			return true
		}
		return t.RequesterID == s.RequesterID || (s.OrgID != 0 && t.OrgID == s.OrgID && t.OrgShared)
	}
	for _, w := range cast {
		for _, tk := range tickets {
			// The list scope uses the org's current flag; Can uses the
			// ticket's copy of it. They agree when both are the same.
			s := TicketScopeFor(w.id, tk.OrgShared)
			if got, want := in(s, tk), Can(w.id, ViewTicket, tk); got != want {
				t.Errorf("%s, %+v: scope says %v, Can says %v", w.name, tk, got, want)
			}
		}
	}
}

func TestInvoiceScope(t *testing.T) {
	if !InvoiceScopeFor(anon).None || !InvoiceScopeFor(agent).All {
		t.Fatal("anonymous must see none, staff all")
	}
	if s := InvoiceScopeFor(custA); s.CustomerID != custA.UserID || s.OrgID != 1 || s.All {
		t.Fatalf("customer scope = %+v", s)
	}
}

// TestDenialStatus pins what a denial looks like: login for anonymous
// visitors, 404 (never 403) for everyone else, on pages and on the API.
func TestDenialStatus(t *testing.T) {
	tests := []struct {
		id           *web.Identity
		method, path string
		want         int
		location     string
	}{
		{anon, "GET", "/admin/users", 303, "/login?next=%2Fadmin%2Fusers"},
		{anon, "POST", "/admin/users", 401, ""},
		{anon, "GET", "/api/v1/admin", 401, ""},
		{custA, "GET", "/admin/users", 404, ""},
		{custA, "GET", "/api/v1/admin", 404, ""},
		{agent, "GET", "/admin/users", 404, ""},
		{admin, "GET", "/admin/users", 200, ""},
		{custB, "GET", "/tickets/7", 404, ""},
		{custA, "GET", "/tickets/7", 200, ""},
		{agent, "GET", "/tickets/7", 200, ""},
	}
	for _, tt := range tests {
		app := fiber.New()
		app.Use(func(c *fiber.Ctx) error { web.SetIdentity(c, tt.id); return c.Next() })
		app.All("/admin/*", Require(Administer), func(c *fiber.Ctx) error { return c.SendString("ok") })
		app.All("/api/v1/admin", Require(Administer), func(c *fiber.Ctx) error { return c.SendString("ok") })
		app.Get("/tickets/:n", Require(UseAccount), func(c *fiber.Ctx) error {
			if err := Check(c, ViewTicket, Ticket{RequesterID: custA.UserID, OrgID: 1}); err != nil {
				return err
			}
			return c.SendString("ok")
		})
		resp, err := app.Test(httptest.NewRequest(tt.method, tt.path, nil))
		if err != nil {
			t.Fatal(err)
		}
		name := "anonymous"
		if tt.id != nil {
			name = string(tt.id.Role) + "#" + string(rune('0'+tt.id.UserID%10))
		}
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s %s: status %d, want %d", name, tt.method, tt.path, resp.StatusCode, tt.want)
		}
		if loc := resp.Header.Get("Location"); loc != tt.location {
			t.Errorf("%s %s %s: Location %q, want %q", name, tt.method, tt.path, loc, tt.location)
		}
	}
}
