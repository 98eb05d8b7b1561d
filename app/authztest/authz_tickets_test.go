package authztest

// The ticket routes' lines of the authorisation matrix. Customer B's
// ticket is seen (and answered) by B and staff only; everyone else gets
// 404 exactly as for a number that does not exist.
var ticketMatrix = []rule{
	// Customer portal.
	{"GET /tickets/", loggedIn, ""},
	{"GET /tickets/new", loggedIn, "?subject=Printer&invoice=INV-1"},
	{"POST /tickets/", loggedIn, ""},
	{"GET /tickets/suggest", loggedIn, "?subject=password"},
	{"GET /tickets/suggest/open", loggedIn, "?deflection=abc&to=/kb/a/anything"},
	{"GET /tickets/:number<int>", custB | staff, "number=customerB.ticket"},
	{"GET /tickets/:number<int>", custA | staff, "number=customerA.ticket"},
	{"POST /tickets/:number<int>/messages", custB | staff, "number=customerB.ticket"},
	{"POST /tickets/:number<int>/solve", custB | staff, "number=customerB.ticket"},
	{"POST /tickets/:number<int>/reopen", custB | staff, "number=customerB.ticket"},
	{"POST /tickets/:number<int>/rating", custB, "number=customerB.ticket"},
	{"GET /tickets/:number<int>/files/:id<int>/:name", custB | staff, "number=customerB.ticket id=customerB.ticket.file name=ticket.file.name"},
	{"GET /tickets/:number<int>/files/:id<int>/:name", staff, "number=customerB.ticket id=customerB.ticket.notefile name=ticket.file.name"},

	// Agent desk.
	{"POST /agent/bulk", staff, ""},
	{"POST /agent/views", staff, ""},
	{"POST /agent/views/:id<int>/delete", agent, "id=new.agent.view"}, // only its owner
	{"GET /agent/dashboard", staff, ""},
	{"GET /agent/canned", staff, ""},
	{"POST /agent/canned", staff, ""},
	{"POST /agent/canned/:id<int>", staff, "id=canned"},
	{"POST /agent/canned/:id<int>/delete", staff, "id=new.canned"},
	{"GET /agent/tickets/:number<int>", staff, "number=customerB.ticket"},
	{"POST /agent/tickets/:number<int>/messages", staff, "number=customerB.ticket"},
	{"POST /agent/tickets/:number<int>/fields", staff, "number=customerB.ticket"},
	{"POST /agent/tickets/:number<int>/presence", staff, "number=customerB.ticket"},
	{"GET /agent/tickets/:number<int>/canned/:id<int>", staff, "number=customerB.ticket id=canned"},
	{"POST /agent/tickets/:number<int>/article", staff, "number=customerB.ticket"},
	{"GET /agent/tickets/:number<int>/files/:id<int>/:name", staff, "number=customerB.ticket id=customerB.ticket.notefile name=ticket.file.name"},
	{"GET /admin/tickets/sla", admin, ""},
	{"POST /admin/tickets/sla", admin, ""},

	// API (bearer tokens).
	{"GET /api/v1/tickets/", loggedIn, ""},
	{"POST /api/v1/tickets/", loggedIn, ""},
	{"GET /api/v1/tickets/:number<int>", custB | staff, "number=customerB.ticket"},
	{"PATCH /api/v1/tickets/:number<int>", staff, "number=customerB.ticket"},
	{"POST /api/v1/tickets/:number<int>/messages", custB | staff, "number=customerB.ticket"},
}

func init() { matrix = append(matrix, ticketMatrix...) }
