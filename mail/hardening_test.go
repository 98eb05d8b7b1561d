package mail_test

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	fdmail "github.com/frontdesk/frontdesk/mail"
)

// Issue 8 item 3: a name or subject with line breaks (a person typed it)
// never starts a header of its own, whether it reaches Render or a stored
// row goes straight to Compose.
func TestHeaderValuesAreMadeSafe(t *testing.T) {
	ob := newOutbox(t, nil)
	m := hello("eve@example.com")
	m.ToName = "Eve\r\nBcc: victim@example.com"
	m.Subject = "Hi\nBcc: victim@example.com"
	e, err := ob.Render(context.Background(), m)
	if err != nil {
		t.Fatalf("Render refused a message whose name and subject can be made safe: %v", err)
	}
	// A row written before names were cleaned goes out safely as well.
	e.ToName = "Mallory\r\nBcc: victim@example.com\r\n"
	raw, err := fdmail.Compose(e, mail.Address{Name: "Acme", Address: "support@acme.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("injected header line %q in:\n%s", line, head)
		}
	}
	if !strings.Contains(head, "Mallory Bcc: victim@example.com") {
		t.Errorf("the name should survive on one line:\n%s", head)
	}

	// What the outbox cannot send is an ErrInvalidMessage, so callers can
	// answer the person asking without a 500.
	m = hello("not an address")
	if _, err := ob.Render(context.Background(), m); !errors.Is(err, fdmail.ErrInvalidMessage) {
		t.Errorf("bad recipient: %v, want ErrInvalidMessage", err)
	}
}
