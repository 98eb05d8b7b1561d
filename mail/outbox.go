// Package mail owns Frontdesk's email: the outbox every domain writes
// outgoing mail into (in the same transaction as the event that causes it),
// the worker that sends it over SMTP with retries, and, in a later issue,
// IMAP fetching of the support inbox.
package mail

import (
	"context"
	"errors"

	"github.com/uptrace/bun"
)

// Message is an email to queue. The outbox renders Template (views/mail/
// <Template>.txt and .html, inside the branded mail layout) with Data at
// enqueue time and stores the result, so what is sent is what was decided
// in the transaction.
type Message struct {
	To       string // recipient address
	ToName   string // recipient display name, may be empty
	Subject  string
	Template string         // e.g. "accounts_verify"
	Data     map[string]any // template data; the brand is added by the outbox
	Kind     string         // short label for admins, e.g. "verify_email"

	// Threading headers, used by ticket replies in a later issue.
	InReplyTo  string
	References []string
}

// Outbox queues mail for the sender worker.
type Outbox struct {
	db bun.IDB
}

// Enqueue renders m and inserts it into the outbox using db, which should
// be the caller's transaction so the mail exists exactly when the event
// that caused it does. It returns the outbox row id.
func (o *Outbox) Enqueue(ctx context.Context, db bun.IDB, m Message) (int64, error) {
	return 0, errors.New("mail: outbox not implemented yet")
}
