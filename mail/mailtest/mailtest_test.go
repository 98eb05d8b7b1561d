package mailtest_test

import (
	"net/smtp"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/mail/mailtest"
)

func send(t *testing.T, srv *mailtest.Server, to, subject, body string) error {
	t.Helper()
	msg := "From: a@example.com\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n"
	return smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{to}, []byte(msg))
}

func TestWaitForReturnsEachMessageOnce(t *testing.T) {
	srv := mailtest.Start(t)
	for _, s := range []string{"first", "second"} {
		if err := send(t, srv, "x@example.com", s, "body "+s); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"first", "second"} {
		if got := srv.WaitFor(t, "X@example.com", time.Second).Subject; got != want {
			t.Fatalf("WaitFor gave %q, want %q", got, want)
		}
	}
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("Messages() = %d", n)
	}
}

func TestRejectNext(t *testing.T) {
	srv := mailtest.Start(t)
	srv.RejectNext(1, 451, "later")
	if err := send(t, srv, "y@example.com", "s", "b"); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("first send: %v, want 451", err)
	}
	if err := send(t, srv, "y@example.com", "s", "b"); err != nil {
		t.Fatalf("second send: %v", err)
	}
}

func TestLinks(t *testing.T) {
	m := mailtest.Message{Text: "Open https://x.test/verify?token=a_b-c. Or (http://x.test/b), not ftp://x.test.\nhttps://x.test/c"}
	want := []string{"https://x.test/verify?token=a_b-c", "http://x.test/b", "https://x.test/c"}
	if got := mailtest.Links(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("Links = %q, want %q", got, want)
	}
}
