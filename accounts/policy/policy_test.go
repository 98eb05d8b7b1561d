package policy

import (
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

// The cast every rule is checked against.
var (
	anon       *identity.Identity
	unverified = &identity.Identity{UserID: 10, Role: identity.RoleCustomer, OrgID: 1}
	custA      = &identity.Identity{UserID: 11, Role: identity.RoleCustomer, OrgID: 1, Verified: true}
	custA2     = &identity.Identity{UserID: 12, Role: identity.RoleCustomer, OrgID: 1, Verified: true} // same org as A
	custB      = &identity.Identity{UserID: 21, Role: identity.RoleCustomer, OrgID: 2, Verified: true}
	loner      = &identity.Identity{UserID: 31, Role: identity.RoleCustomer, Verified: true} // no org
	agent      = &identity.Identity{UserID: 40, Role: identity.RoleAgent, Verified: true}
	admin      = &identity.Identity{UserID: 50, Role: identity.RoleAdmin, Verified: true}
)

type who struct {
	name string
	id   *identity.Identity
}

var cast = []who{{"anonymous", anon}, {"unverified", unverified}, {"customerA", custA}, {"customerA2", custA2},
	{"customerB", custB}, {"loner", loner}, {"agent", agent}, {"admin", admin}}

func TestCan(t *testing.T) {
	ticketA := Ticket{RequesterID: custA.UserID, OrgID: 1}
	sharedA := Ticket{RequesterID: custA.UserID, OrgID: 1, OrgShared: true}
	lonerT := Ticket{RequesterID: loner.UserID}
	orgInv := Invoice{OrgID: 1}
	ownInv := Invoice{CustomerID: loner.UserID}
	wsA := Workspace{ID: 7, OrgID: 1, OrgHighValue: true, Member: true, Team: true}
	wsANotHV := Workspace{ID: 7, OrgID: 1, OrgHighValue: false, Member: true, Team: true}
	wsANotMember := Workspace{ID: 7, OrgID: 1, OrgHighValue: true, Team: true}
	wsNoTeam := Workspace{ID: 7, OrgID: 1, OrgHighValue: true, Member: true} // the agent is not on its team
	wsLoner := Workspace{ID: 8, CustomerID: loner.UserID, Member: true, Team: true}
	wsLink := Workspace{ID: 7, OrgID: 1, OrgHighValue: true, Link: &LinkGrant{WorkspaceID: 7, LinkID: 3}}
	wsOtherLink := Workspace{ID: 8, OrgID: 1, OrgHighValue: true, Link: &LinkGrant{WorkspaceID: 7, LinkID: 3}}

	// ask turns one typed question into a row of the table; a resource of
	// the wrong kind no longer compiles, so the table cannot hold one.
	type row struct {
		name  string
		ask   func(id *identity.Identity) bool
		allow []string // names from cast; everyone else is denied
	}
	area := func(a Area) row {
		return row{a.String(), func(id *identity.Identity) bool { return Allows(id, a) }, nil}
	}
	on := func(name string, f func(id *identity.Identity) bool) row { return row{name, f, nil} }
	with := func(r row, allow ...string) row { r.allow = allow; return r }
	signedIn := []string{"unverified", "customerA", "customerA2", "customerB", "loner", "agent", "admin"}
	everyone := append([]string{"anonymous"}, signedIn...)

	tests := []row{
		with(area(UseAgentDesk), "agent", "admin"),
		with(area(ManageKB), "agent", "admin"),
		with(area(Administer), "admin"),
		with(area(UseAccount), signedIn...),
		with(area(CreateTicket), signedIn...),
		with(area(Area{name: "no rule"})),

		with(on("view published", func(id *identity.Identity) bool { return Can(id, ViewArticle, Article{Published: true}) }), everyone...),
		with(on("view draft", func(id *identity.Identity) bool { return Can(id, ViewArticle, Article{}) }), "agent", "admin"),
		with(on("edit article", func(id *identity.Identity) bool { return Can(id, EditArticle, Article{Published: true}) }), "agent", "admin"),

		with(on("view ticketA", func(id *identity.Identity) bool { return Can(id, ViewTicket, ticketA) }), "customerA", "agent", "admin"),
		with(on("reply ticketA", func(id *identity.Identity) bool { return Can(id, ReplyTicket, ticketA) }), "customerA", "agent", "admin"),
		with(on("view sharedA", func(id *identity.Identity) bool { return Can(id, ViewTicket, sharedA) }), "unverified", "customerA", "customerA2", "agent", "admin"),
		with(on("view lonerT", func(id *identity.Identity) bool { return Can(id, ViewTicket, lonerT) }), "loner", "agent", "admin"),
		with(on("view nobody's", func(id *identity.Identity) bool { return Can(id, ViewTicket, Ticket{}) }), "agent", "admin"),
		with(on("notes sharedA", func(id *identity.Identity) bool { return Can(id, ViewInternalNotes, sharedA) }), "agent", "admin"),
		with(on("add note", func(id *identity.Identity) bool { return Can(id, AddInternalNote, ticketA) }), "agent", "admin"),
		with(on("manage", func(id *identity.Identity) bool { return Can(id, ManageTicket, ticketA) }), "agent", "admin"),

		// Organisation invoices need a verified member (unverified: own only).
		with(on("org invoice", func(id *identity.Identity) bool { return Can(id, ViewInvoice, orgInv) }), "customerA", "customerA2", "agent", "admin"),
		with(on("org draft invoice", func(id *identity.Identity) bool { return Can(id, ViewInvoice, Invoice{OrgID: 1, Draft: true}) }), "agent", "admin"),
		with(on("own draft invoice", func(id *identity.Identity) bool {
			return Can(id, ViewInvoice, Invoice{CustomerID: loner.UserID, Draft: true})
		}), "agent", "admin"),
		with(on("own invoice", func(id *identity.Identity) bool { return Can(id, ViewInvoice, ownInv) }), "loner", "agent", "admin"),
		with(on("nobody's invoice", func(id *identity.Identity) bool { return Can(id, ViewInvoice, Invoice{}) }), "agent", "admin"),

		with(on("view wsA", func(id *identity.Identity) bool { return Can(id, ViewWorkspace, wsA) }), "customerA", "customerA2", "agent", "admin"),
		with(on("contribute wsA", func(id *identity.Identity) bool { return Can(id, ContributeWorkspace, wsA) }), "customerA", "customerA2", "agent", "admin"),
		with(on("view ws not HV", func(id *identity.Identity) bool { return Can(id, ViewWorkspace, wsANotHV) }), "agent", "admin"),
		with(on("view ws not member", func(id *identity.Identity) bool { return Can(id, ViewWorkspace, wsANotMember) }), "agent", "admin"),
		with(on("view ws off team", func(id *identity.Identity) bool { return Can(id, ViewWorkspace, wsNoTeam) }), "customerA", "customerA2", "admin"),
		with(on("deliver ws off team", func(id *identity.Identity) bool { return Can(id, DeliverWorkspace, wsNoTeam) }), "admin"),
		with(on("view loner's ws", func(id *identity.Identity) bool { return Can(id, ViewWorkspace, wsLoner) }), "loner", "agent", "admin"),
		with(on("link holder", func(id *identity.Identity) bool { return Can(id, ContributeWorkspace, wsLink) }), everyone...),
		with(on("link elsewhere", func(id *identity.Identity) bool { return Can(id, ViewWorkspace, wsOtherLink) }), "admin"), // only its own workspace
		with(on("link deliver", func(id *identity.Identity) bool { return Can(id, DeliverWorkspace, wsLink) }), "admin"),
		with(on("link manage", func(id *identity.Identity) bool { return Can(id, ManageWorkspace, wsLink) }), "admin"),
		with(on("deliver wsA", func(id *identity.Identity) bool { return Can(id, DeliverWorkspace, wsA) }), "agent", "admin"),
		with(on("manage wsA", func(id *identity.Identity) bool { return Can(id, ManageWorkspace, wsA) }), "agent", "admin"),
		with(on("audit wsA", func(id *identity.Identity) bool { return Can(id, ExportWorkspaceAudit, wsA) }), "admin"),
		with(area(EnableWorkspaces), "agent", "admin"),
		with(area(EditOnboarding), "admin"),

		with(on("role of A", func(id *identity.Identity) bool { return Can(id, ChangeUserRole, User{ID: custA.UserID}) }), "admin"),
		with(on("own role", func(id *identity.Identity) bool { return Can(id, ChangeUserRole, User{ID: admin.UserID}) })), // not oneself
		with(on("deactivate self", func(id *identity.Identity) bool { return Can(id, DeactivateUser, User{ID: admin.UserID}) })),
		with(on("deactivate agent", func(id *identity.Identity) bool { return Can(id, DeactivateUser, User{ID: agent.UserID}) }), "admin"),
		with(on("edit self", func(id *identity.Identity) bool { return Can(id, EditUser, User{ID: admin.UserID}) }), "admin"),
		with(on("zero action", func(id *identity.Identity) bool { return Can(id, Action[Ticket]{}, ticketA) })),
	}
	for _, tt := range tests {
		allowed := map[string]bool{}
		for _, n := range tt.allow {
			allowed[n] = true
		}
		for _, w := range cast {
			if got := tt.ask(w.id); got != allowed[w.name] {
				t.Errorf("%s as %s = %v, want %v", tt.name, w.name, got, allowed[w.name])
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
	if s := InvoiceScopeFor(unverified); s.CustomerID != unverified.UserID || s.OrgID != 0 {
		t.Fatalf("an unverified member must not see the organisation's invoices: %+v", s)
	}
}

// TestDenialStatus pins what a denial looks like: login for anonymous
// visitors, 404 (never 403) for everyone else, on pages and on the API.
func TestDenialStatus(t *testing.T) {
	tests := []struct {
		id           *identity.Identity
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
		app.Use(func(c *fiber.Ctx) error { identity.Set(c, tt.id); return c.Next() })
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
