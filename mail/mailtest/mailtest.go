// Package mailtest runs a real SMTP server (emersion/go-smtp) on a loopback
// port for tests, so code under test sends mail exactly as it would in
// production and tests assert on what a mail server received.
//
//	srv := mailtest.Start(t)                 // stopped at test cleanup
//	cfg.SMTPURL = srv.URL()                  // smtp://user:pass@127.0.0.1:PORT
//	msg := srv.WaitFor(t, "ann@example.com", 10*time.Second)
//	link := mailtest.Links(msg)[0]
//
// By default the server offers no TLS (so smtp:// senders must go on
// without STARTTLS) and accepts AUTH PLAIN and LOGIN with any credentials,
// or no AUTH at all. Options add STARTTLS or implicit TLS with a
// self-signed certificate (ClientTLS trusts it) and limit the mechanisms.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime"
)

// Message is one message the server received.
type Message struct {
	From     string      // envelope sender (MAIL FROM)
	To       []string    // envelope recipients (RCPT TO)
	AuthUser string      // user name given with AUTH, empty without AUTH
	AuthMech string      // PLAIN or LOGIN, empty without AUTH
	TLS      bool        // the message arrived over TLS
	Subject  string      // decoded Subject header
	Header   mail.Header // all headers as received
	Text     string      // decoded text/plain part
	HTML     string      // decoded text/html part
	Raw      []byte      // the message exactly as received
}

// Server is a running test SMTP server.
type Server struct {
	srv  *smtp.Server
	ln   net.Listener
	addr string
	opts options
	cert *x509.Certificate

	mu        sync.Mutex
	msgs      []Message
	taken     map[int]bool  // indexes WaitFor already returned
	changed   chan struct{} // closed and replaced when a message arrives
	rejects   []*smtp.SMTPError
	rejectAll *smtp.SMTPError
}

// Option changes how the server behaves.
type Option func(*options)

type options struct {
	startTLS, implicitTLS bool
	mechs                 []string
}

// WithSTARTTLS offers STARTTLS and accepts AUTH only after it.
func WithSTARTTLS() Option { return func(o *options) { o.startTLS = true } }

// WithImplicitTLS speaks TLS from the first byte (smtps://).
func WithImplicitTLS() Option { return func(o *options) { o.implicitTLS = true } }

// WithAuthMechanisms limits the AUTH mechanisms offered (sasl.Plain,
// sasl.Login).
func WithAuthMechanisms(mechs ...string) Option {
	return func(o *options) { o.mechs = mechs }
}

// Start runs a server on 127.0.0.1 on a free port; it stops when the test
// ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{mechs: []string{sasl.Plain, sasl.Login}}
	for _, opt := range opts {
		opt(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{ln: ln, addr: ln.Addr().String(), opts: o, taken: map[int]bool{}, changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = !o.startTLS
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 32 << 20
	s.srv.ErrorLog = discardLogger{}
	if o.startTLS || o.implicitTLS {
		cert, leaf, err := selfSigned()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.cert = leaf
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.startTLS {
			s.srv.TLSConfig = cfg
		} else {
			ln = tls.NewListener(ln, cfg)
		}
	}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// ClientTLS returns a TLS configuration that trusts this server's
// certificate (nil when the server has no TLS).
func (s *Server) ClientTLS() *tls.Config {
	if s.cert == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func selfSigned() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}

// URL is the --smtp-url that reaches this server with credentials
// (smtps:// for a server with implicit TLS).
func (s *Server) URL() string {
	if s.opts.implicitTLS {
		return "smtps://user:pass@" + s.addr
	}
	return "smtp://user:pass@" + s.addr
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// RejectNext makes the server answer the next n messages' DATA with the
// given SMTP code (4xx temporary, 5xx permanent) instead of accepting them.
func (s *Server) RejectNext(n, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.rejects = append(s.rejects, smtpError(code, message))
	}
}

// RejectAll makes the server answer every message with code until
// AcceptAll is called.
func (s *Server) RejectAll(code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAll = smtpError(code, message)
}

// AcceptAll undoes RejectAll and RejectNext.
func (s *Server) AcceptAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAll, s.rejects = nil, nil
}

// WaitFor returns the oldest message to address (case-insensitive) that no
// earlier WaitFor returned, waiting up to timeout for one to arrive; it
// fails the test when none does. A test that expects two emails to the same
// person (verification, then a reset) calls WaitFor twice.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	m, ok := s.wait(timeout, func(m Message) bool {
		for _, rcpt := range m.To {
			if strings.EqualFold(rcpt, to) {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("mailtest: no new message to %s within %s (received %d in total)", to, timeout, len(s.Messages()))
	}
	return m
}

// WaitMatch is WaitFor with any condition.
func (s *Server) WaitMatch(t testing.TB, timeout time.Duration, match func(Message) bool) Message {
	t.Helper()
	m, ok := s.wait(timeout, match)
	if !ok {
		t.Fatalf("mailtest: no matching message within %s (received %d in total)", timeout, len(s.Messages()))
	}
	return m
}

func (s *Server) wait(timeout time.Duration, match func(Message) bool) (Message, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] && match(m) {
				s.taken[i] = true
				s.mu.Unlock()
				return m, true
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return Message{}, false
		}
	}
}

func (s *Server) nextReject() *smtp.SMTPError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rejectAll != nil {
		return s.rejectAll
	}
	if len(s.rejects) > 0 {
		e := s.rejects[0]
		s.rejects = s.rejects[1:]
		return e
	}
	return nil
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"')\]]+`)

// Links returns the http(s) URLs in the message's text part, in order.
func Links(m Message) []string {
	found := urlRE.FindAllString(m.Text, -1)
	for i, u := range found {
		found[i] = strings.TrimRight(u, ".,;:!?")
	}
	return found
}

// Parse decodes a raw message the way the server does.
func Parse(raw []byte) (Message, error) {
	m := Message{Raw: raw}
	hm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m, fmt.Errorf("mailtest: read headers: %w", err)
	}
	m.Header = hm.Header
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(hm.Header.Get("Subject")); err != nil {
		m.Subject = hm.Header.Get("Subject")
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return m, fmt.Errorf("mailtest: parse MIME: %w", err)
	}
	m.Text, m.HTML = env.Text, env.HTML
	return m, nil
}

func smtpError(code int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
		Message:      msg,
	}
}

type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	mech string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string { return s.srv.opts.mechs }

func (s *session) Auth(mech string) (sasl.Server, error) {
	offered := false
	for _, m := range s.srv.opts.mechs {
		offered = offered || m == mech
	}
	if !offered {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	s.mech = mech
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			s.user = username
			return nil
		}), nil
	case sasl.Login:
		return &loginServer{done: func(u string) { s.user = u }}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if rej := s.srv.nextReject(); rej != nil {
		return rej
	}
	m, err := Parse(raw)
	if err != nil {
		return smtpError(554, err.Error())
	}
	m.From, m.To, m.AuthUser, m.AuthMech = s.from, append([]string(nil), s.to...), s.user, s.mech
	_, m.TLS = s.conn.TLSConnectionState()
	s.srv.add(m)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the
// client): ask for the user name, then the password, accept anything.
type loginServer struct {
	step int
	user string
	done func(user string)
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) > 0 { // initial response carried the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(resp)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		l.done(l.user)
		return nil, true, nil
	}
	return nil, true, errors.New("unexpected AUTH LOGIN response")
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...interface{}) {}
func (discardLogger) Println(...interface{})        {}
