package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/mailtest"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		in       string
		want     fdmail.SMTPConfig
		wantFail bool
	}{
		{in: "smtp://mail.example.com", want: fdmail.SMTPConfig{Host: "mail.example.com", Port: "587"}},
		{in: "smtps://u%40x:p%3Ass@mail.example.com", want: fdmail.SMTPConfig{Host: "mail.example.com", Port: "465", ImplicitTLS: true, Username: "u@x", Password: "p:ss"}},
		{in: "smtp://user:pw@127.0.0.1:2525", want: fdmail.SMTPConfig{Host: "127.0.0.1", Port: "2525", Username: "user", Password: "pw"}},
		{in: "http://mail.example.com", wantFail: true},
		{in: "smtp://", wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := fdmail.ParseSMTPURL(tt.in)
			if tt.wantFail {
				if err == nil {
					t.Fatalf("accepted %q", tt.in)
				}
				return
			}
			if err != nil || got.Host != tt.want.Host || got.Port != tt.want.Port || got.ImplicitTLS != tt.want.ImplicitTLS ||
				got.Username != tt.want.Username || got.Password != tt.want.Password {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// The mailer against go-smtp servers configured the ways real ones are.
func TestSMTPMailerTransports(t *testing.T) {
	tests := []struct {
		name     string
		opts     []mailtest.Option
		withAuth bool
		wantTLS  bool
		wantMech string
	}{
		{"plain smtp, server offers no STARTTLS", nil, true, false, sasl.Plain},
		{"no credentials, no AUTH", nil, false, false, ""},
		{"STARTTLS when offered, AUTH after it", []mailtest.Option{mailtest.WithSTARTTLS()}, true, true, sasl.Plain},
		{"smtps implicit TLS", []mailtest.Option{mailtest.WithImplicitTLS()}, true, true, sasl.Plain},
		{"AUTH LOGIN when PLAIN is not offered", []mailtest.Option{mailtest.WithAuthMechanisms(sasl.Login)}, true, false, sasl.Login},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts...)
			cfg, err := fdmail.ParseSMTPURL(srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			if !tt.withAuth {
				cfg.Username, cfg.Password = "", ""
			}
			cfg.TLSConfig = srv.ClientTLS()
			raw := "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
			if err := fdmail.NewSMTPMailer(cfg).Send(context.Background(), "a@example.com", []string{"b@example.com"}, []byte(raw)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			m := srv.WaitFor(t, "b@example.com", 5*time.Second)
			if m.TLS != tt.wantTLS || m.AuthMech != tt.wantMech {
				t.Errorf("TLS %v mech %q; want TLS %v mech %q", m.TLS, m.AuthMech, tt.wantTLS, tt.wantMech)
			}
			if tt.withAuth && m.AuthUser != "user" {
				t.Errorf("AUTH user %q", m.AuthUser)
			}
			if strings.TrimSpace(m.Text) != "hello" {
				t.Errorf("text %q", m.Text)
			}
		})
	}
}

func TestSMTPMailerErrors(t *testing.T) {
	srv := mailtest.Start(t)
	cfg, _ := fdmail.ParseSMTPURL(srv.URL())
	send := func() error {
		return fdmail.NewSMTPMailer(cfg).Send(context.Background(), "a@example.com", []string{"b@example.com"}, []byte("Subject: x\r\n\r\nx\r\n"))
	}
	srv.RejectNext(1, 452, "mailbox full")
	if err := send(); err == nil || fdmail.IsPermanent(err) || !strings.Contains(err.Error(), "452") {
		t.Errorf("4xx: %v (permanent %v)", err, fdmail.IsPermanent(err))
	}
	srv.RejectNext(1, 554, "rejected as spam")
	if err := send(); err == nil || !fdmail.IsPermanent(err) || !strings.Contains(err.Error(), "554") {
		t.Errorf("5xx: %v (permanent %v)", err, fdmail.IsPermanent(err))
	}
	// A server that is not there is a temporary problem.
	cfg.Port = "1"
	if err := send(); err == nil || fdmail.IsPermanent(err) {
		t.Errorf("connection refused: %v (permanent %v)", err, fdmail.IsPermanent(err))
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		d := fdmail.Backoff(n)
		if d < prev/2 || d > 72*time.Minute {
			t.Fatalf("Backoff(%d) = %v after %v", n, d, prev)
		}
		prev = d
	}
	if d := fdmail.Backoff(1); d < 24*time.Second || d > 36*time.Second {
		t.Errorf("Backoff(1) = %v, want 30s ± 20%%", d)
	}
	if d := fdmail.Backoff(20); d < 48*time.Minute {
		t.Errorf("Backoff(20) = %v, want about an hour", d)
	}
}
