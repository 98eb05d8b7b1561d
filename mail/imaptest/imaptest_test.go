package imaptest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// TestDovecotMailboxAcceptsAndReturnsMail proves the test mailbox that
// make test starts is real: a delivered message can be read back.
func TestDovecotMailboxAcceptsAndReturnsMail(t *testing.T) {
	c := Dial(t, Dovecot(t))
	subject := fmt.Sprintf("harness check %d", time.Now().UnixNano())
	raw := "From: Customer <customer@example.com>\r\nTo: support@frontdesk.test\r\n" +
		"Subject: " + subject + "\r\nMessage-ID: <" + fmt.Sprint(time.Now().UnixNano()) + "@example.com>\r\n\r\nHello\r\n"
	Deliver(t, c, "INBOX", []byte(raw))
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 || sel.UIDValidity == 0 {
		t.Fatalf("mailbox after delivery: %+v", sel)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(sel.NumMessages), &imap.FetchOptions{Envelope: true, UID: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Envelope == nil || !strings.Contains(msgs[0].Envelope.Subject, subject) {
		t.Fatalf("fetched %+v", msgs)
	}
}
