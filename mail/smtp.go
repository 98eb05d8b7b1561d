package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mailer delivers one composed message. The sender worker uses it, so unit
// tests can record what would be sent; SMTPMailer is the real one.
type Mailer interface {
	Send(ctx context.Context, from string, to []string, raw []byte) error
}

// PermanentError wraps a rejection that retrying cannot fix (a 5xx answer
// to MAIL, RCPT or DATA): the sender marks the message failed at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// SMTPConfig is a parsed --smtp-url.
type SMTPConfig struct {
	Host        string
	Port        string
	ImplicitTLS bool // smtps://
	Username    string
	Password    string
	// TLSConfig overrides the TLS settings (tests); nil verifies Host.
	TLSConfig *tls.Config
	// HelloName is sent in EHLO; empty means "localhost".
	HelloName string
}

// ParseSMTPURL reads smtp://user:pass@host[:587] (STARTTLS when the server
// offers it) or smtps://user:pass@host[:465] (implicit TLS). The user name
// and password are percent-decoded; both are optional.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("smtp url: %w", err)
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = "587"
	case "smtps":
		c.Port, c.ImplicitTLS = "465", true
	default:
		return SMTPConfig{}, fmt.Errorf("smtp url: scheme %q: want smtp or smtps", u.Scheme)
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, errors.New("smtp url: host missing")
	}
	if p := u.Port(); p != "" {
		c.Port = p
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

// SMTPMailer sends through one SMTP server, a new connection per message.
type SMTPMailer struct {
	Config SMTPConfig
	// Timeout bounds one delivery from dial to the server's final answer.
	Timeout time.Duration
}

// NewSMTPMailer returns a mailer for a parsed --smtp-url.
func NewSMTPMailer(c SMTPConfig) *SMTPMailer {
	return &SMTPMailer{Config: c, Timeout: 2 * time.Minute}
}

// Send delivers raw to the recipients. Errors reaching or authenticating
// with the server are temporary (the configuration or the network may be
// fixed); a 5xx answer to the message itself is a PermanentError.
func (m *SMTPMailer) Send(ctx context.Context, from string, to []string, raw []byte) error {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c, err := m.connect(ctx, true)
	if err != nil && errors.Is(err, errNoStartTLS) {
		// smtp:// means STARTTLS when offered; this server does not offer
		// it, so go on in plain text (a local relay, a test server).
		c, err = m.connect(ctx, false)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	if m.Config.Username != "" {
		if err := m.auth(c); err != nil {
			return err
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return classify("MAIL FROM", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return classify("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return classify("DATA", err)
	}
	_ = c.Quit()
	return nil
}

var errNoStartTLS = errors.New("server does not offer STARTTLS")

func (m *SMTPMailer) connect(ctx context.Context, startTLS bool) (*smtp.Client, error) {
	addr := net.JoinHostPort(m.Config.Host, m.Config.Port)
	tlsConfig := m.Config.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: m.Config.Host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{Timeout: 30 * time.Second}
	var conn net.Conn
	var err error
	if m.Config.ImplicitTLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("smtp: connect %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if m.Config.ImplicitTLS || !startTLS {
		c := smtp.NewClient(conn)
		c.CommandTimeout, c.SubmissionTimeout = time.Minute, 2*time.Minute
		if err := c.Hello(m.helloName()); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp: greeting from %s: %w", addr, err)
		}
		return c, nil
	}
	c, err := smtp.NewClientStartTLS(conn, tlsConfig)
	if err != nil {
		// go-smtp reports a server without STARTTLS with this error text
		// and no type; NewClientStartTLS has closed the connection.
		if strings.Contains(err.Error(), "doesn't support STARTTLS") {
			return nil, errNoStartTLS
		}
		return nil, fmt.Errorf("smtp: STARTTLS with %s: %w", addr, err)
	}
	c.CommandTimeout, c.SubmissionTimeout = time.Minute, 2*time.Minute
	return c, nil
}

func (m *SMTPMailer) helloName() string {
	if m.Config.HelloName != "" {
		return m.Config.HelloName
	}
	return "localhost"
}

func (m *SMTPMailer) auth(c *smtp.Client) error {
	var client sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		client = sasl.NewPlainClient("", m.Config.Username, m.Config.Password)
	case c.SupportsAuth(sasl.Login):
		client = &loginClient{user: m.Config.Username, pass: m.Config.Password}
	default:
		return errors.New("smtp: the server offers neither AUTH PLAIN nor AUTH LOGIN (credentials are in --smtp-url)")
	}
	if err := c.Auth(client); err != nil {
		// Wrong credentials are a configuration problem, not the
		// message's: keep it queued until an admin fixes --smtp-url.
		return fmt.Errorf("smtp: authentication failed: %w", err)
	}
	return nil
}

// classify marks 5xx answers to the message as permanent.
func classify(stage string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 && se.Code < 600 {
		return &PermanentError{Err: fmt.Errorf("smtp: %s rejected: %w", stage, err)}
	}
	return fmt.Errorf("smtp: %s: %w", stage, err)
}

// loginClient is AUTH LOGIN answering both the common "Username:" and
// "Password:" prompts (go-sasl's client expects only the second).
type loginClient struct {
	user, pass string
}

func (l *loginClient) Start() (string, []byte, error) {
	return sasl.Login, []byte(l.user), nil
}

func (l *loginClient) Next(challenge []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(string(challenge))) {
	case "username:":
		return []byte(l.user), nil
	case "password:":
		return []byte(l.pass), nil
	}
	return nil, sasl.ErrUnexpectedServerChallenge
}

// NewSMTPSender builds the sender worker for --smtp-url. d.From defaults
// to no-reply@<host of the base URL>, and EHLO names that host.
func NewSMTPSender(smtpURL string, d SenderDeps) (*Sender, error) {
	cfg, err := ParseSMTPURL(smtpURL)
	if err != nil {
		return nil, err
	}
	host := "localhost"
	if d.Outbox != nil {
		host = d.Outbox.idHost
	}
	if ip := net.ParseIP(host); ip != nil {
		cfg.HelloName = "[" + host + "]"
		if ip.To4() == nil {
			cfg.HelloName = "[IPv6:" + host + "]"
		}
	} else {
		cfg.HelloName = host
	}
	if d.From == "" {
		d.From = "no-reply@" + host
		if net.ParseIP(host) != nil {
			d.From = "no-reply@localhost"
		}
	}
	m := NewSMTPMailer(cfg)
	if d.SendTimeout > 0 {
		m.Timeout = d.SendTimeout
	}
	d.Mailer = m
	return NewSender(d), nil
}
