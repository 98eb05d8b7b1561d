package imaptest

import (
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// MemServer starts go-imap's in-process IMAP server (IMAP4rev2, so IDLE)
// with one user support@frontdesk.test and an INBOX, stopped at cleanup.
// It returns the --imap-url of its INBOX (plain IMAP, opted in with
// tls=none).
func MemServer(t testing.TB) string {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support@frontdesk.test", "pw")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       quiet{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "imap://support%40frontdesk.test:pw@" + ln.Addr().String() + "/INBOX?tls=none"
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}
