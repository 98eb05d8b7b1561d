package main

import (
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/mail/imaptest"
)

// TestMailFetchOncePrintsCounts: `mail fetch --once` ingests what waits
// in the mailbox, prints the counts, and a second run finds nothing new.
func TestMailFetchOncePrintsCounts(t *testing.T) {
	imapURL := imaptest.MemServer(t)
	c := imaptest.Dial(t, imapURL)
	imaptest.Deliver(t, c, "INBOX", []byte("From: Ann <ann@example.com>\r\nTo: support@frontdesk.test\r\nSubject: Help\r\nMessage-ID: <cmd-1@example.com>\r\n\r\nThe export fails.\r\n"))
	imaptest.Deliver(t, c, "INBOX", []byte("From: Ann <ann@example.com>\r\nTo: support@frontdesk.test\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <cmd-2@example.com>\r\n\r\nAway.\r\n"))
	dir := t.TempDir()
	args := []string{"mail", "fetch", "--once", "--data-dir", dir, "--imap-url", imapURL, "--support-address", "support@frontdesk.test"}
	code, out, errOut := runCmd(t, nil, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	// The out-of-office continues no ticket: it is logged as ignored.
	if !strings.Contains(out, "fetched 2, new tickets 1, replies 0, auto-replies 0, bounces 0, flagged 0, failed 0 (ignored 1, duplicates 0)") {
		t.Fatalf("output: %q", out)
	}
	code, out, _ = runCmd(t, nil, args...)
	if code != 0 || !strings.Contains(out, "fetched 0,") {
		t.Fatalf("second run %d: %q", code, out)
	}
	code, _, errOut = runCmd(t, nil, "mail", "fetch", "--once", "--data-dir", dir)
	if code == 0 || !strings.Contains(errOut, "--imap-url") {
		t.Fatalf("without --imap-url: %d %q", code, errOut)
	}
}
