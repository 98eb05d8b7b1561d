// Package imaptest gives tests a real IMAP mailbox: the throwaway Dovecot
// that `make test` starts (FRONTDESK_TEST_IMAP_URL). Tests that need it fail
// under FRONTDESK_TEST_STRICT=1 when it is missing, and skip otherwise.
package imaptest

import (
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Dovecot returns the URL of the test mailbox, as --imap-url takes it.
func Dovecot(t testing.TB) string {
	t.Helper()
	u := os.Getenv("FRONTDESK_TEST_IMAP_URL")
	if u == "" {
		dbtest.RequireService(t, "Dovecot (FRONTDESK_TEST_IMAP_URL)")
	}
	return u
}

// Dial logs into the mailbox at rawURL and closes the connection at cleanup.
func Dial(t testing.TB, rawURL string) *imapclient.Client {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := imapclient.DialInsecure(u.Host, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u.Host, err)
	}
	t.Cleanup(func() { c.Close() })
	pass, _ := u.User.Password()
	if err := c.Login(u.User.Username(), pass).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

// Deliver appends a raw RFC 5322 message to mailbox, as an MTA would.
func Deliver(t testing.TB, c *imapclient.Client, mailbox string, raw []byte) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Time: time.Now()})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
}
