package authztest

// The email channel's routes (mail/inbound), kept in their own file.
func init() {
	matrix = append(matrix,
		rule{"GET /admin/mail", admin, ""},
		rule{"GET /admin/mail/:id<int>", admin, "id=mail.log.entry"},
		rule{"GET /admin/mail/:id<int>/raw", admin, "id=mail.log.entry"},
		rule{"POST /admin/mail/:id<int>/reprocess", admin, "id=new.mail.log.failed"},
		rule{"GET /api/v1/mail/log", admin, ""},
		rule{"GET /admin/mail/settings", admin, ""},
		rule{"POST /admin/mail/settings", admin, ""},
		// Flagged email on the agent desk: accept onto the claimed ticket, or dismiss.
		rule{"POST /agent/tickets/:number<int>/flag/accept", staff, "number=new.flagged.ticket"},
		rule{"POST /agent/tickets/:number<int>/flag/dismiss", staff, "number=new.flagged.ticket"},
	)
}
