// Command mailingest measures the email channel against a real IMAP
// server (the Dovecot that make test starts, FRONTDESK_TEST_IMAP_URL):
//
//	go run ./bench/mailingest -mode bulk -n 5000   # ingest rate + peak RSS (target ≥ 200 msg/s, ≤ 250 MB)
//	go run ./bench/mailingest -mode large -mb 25   # RSS growth for one 25 MB attachment (target ≤ 100 MB; flat in -mb)
//	go run ./bench/mailingest -mode idle -n 50     # delivery-to-visible latency with IDLE (target p95 ≤ 2 s)
//
// Each run uses a fresh Dovecot folder and a fresh SQLite database, and
// goes through the whole app: fetch, parse, classify, the tickets
// deliverer (contacts, tickets, attachments in the file store), the log.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/mail/inbound"
)

func main() {
	mode := flag.String("mode", "bulk", "bulk | large | idle")
	n := flag.Int("n", 5000, "messages (bulk, idle)")
	mb := flag.Int("mb", 25, "attachment size in MB (large)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the fetch to this file")
	flag.Parse()
	base := os.Getenv("FRONTDESK_TEST_IMAP_URL")
	if base == "" {
		log.Fatal("set FRONTDESK_TEST_IMAP_URL (source /work/dev/env.sh)")
	}
	ctx := context.Background()
	c, folderURL, cleanup := folder(base)
	defer cleanup()
	switch *mode {
	case "bulk":
		t0 := time.Now()
		for i := 0; i < *n; i++ {
			appendRaw(c, folderName(folderURL), message(i, 1+i%7, ""))
		}
		fmt.Printf("appended %d messages to Dovecot in %s\n", *n, time.Since(t0).Round(time.Millisecond))
		a := newApp(ctx, folderURL, true)
		defer a.Close()
		f, _ := a.MailFetcher()
		base := rssKB("VmRSS")
		if *cpuprofile != "" {
			pf, err := os.Create(*cpuprofile)
			if err != nil {
				log.Fatal(err)
			}
			_ = pprof.StartCPUProfile(pf)
			defer pprof.StopCPUProfile()
		}
		t1 := time.Now()
		sum, err := f.FetchOnce(ctx)
		el := time.Since(t1)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\ningested %d in %s: %.0f msg/s; RSS before fetch %d MB, peak RSS (VmHWM) %d MB\n",
			sum, sum.Fetched, el.Round(time.Millisecond), float64(sum.Fetched)/el.Seconds(), base/1024, rssKB("VmHWM")/1024)
	case "large":
		att := make([]byte, *mb<<20)
		_, _ = rand.Read(att)
		appendRaw(c, folderName(folderURL), message(1, 1, base64.StdEncoding.EncodeToString(att)))
		att = nil
		a := newApp(ctx, folderURL, true)
		defer a.Close()
		f, _ := a.MailFetcher()
		// Forget the memory that generating the message took: free it and
		// reset the peak (VmHWM) so only the ingestion counts.
		debug.FreeOSMemory()
		_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
		before := rssKB("VmRSS")
		t1 := time.Now()
		sum, err := f.FetchOnce(ctx)
		if err != nil {
			log.Fatal(err)
		}
		peak := rssKB("VmHWM")
		fmt.Printf("%s in %s; RSS before %d MB, peak %d MB: growth %d MB for a %d MB attachment\n",
			sum, time.Since(t1).Round(time.Millisecond), before/1024, peak/1024, (peak-before)/1024, *mb)
	case "idle":
		a := newApp(ctx, folderURL, false)
		defer a.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- a.Serve(sctx, ln) }()
		defer func() { cancel(); <-done }()
		waitIdle(ctx, a)
		var lat []time.Duration
		for i := 0; i < *n; i++ {
			id := fmt.Sprintf("<idle-%d-%s@bench.example>", i, randHex(4))
			t0 := time.Now()
			appendRaw(c, folderName(folderURL), messageWithID(i, id, ""))
			for !logged(ctx, a, id) {
				if time.Since(t0) > 30*time.Second {
					log.Fatalf("%s not visible after 30 s", id)
				}
				time.Sleep(5 * time.Millisecond)
			}
			lat = append(lat, time.Since(t0))
			time.Sleep(100 * time.Millisecond) // let the fetcher go back to IDLE
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Millisecond) }
		fmt.Printf("IDLE delivery-to-visible over %d messages: p50 %s, p95 %s, max %s\n", len(lat), q(0.5), q(0.95), lat[len(lat)-1].Round(time.Millisecond))
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
}

func newApp(ctx context.Context, imapURL string, command bool) *app.App {
	dir, err := os.MkdirTemp("", "mailingest-*")
	if err != nil {
		log.Fatal(err)
	}
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: dir, DB: "sqlite://" + filepath.Join(dir, "fd.db"),
		BaseURL: "http://frontdesk.test", SupportAddress: "support@frontdesk.test", IMAPURL: imapURL,
		LogLevel: "warn", LogFormat: "text", Command: command}
	if err := cfg.Normalize(); err != nil {
		log.Fatal(err)
	}
	a, err := app.New(ctx, cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	return a
}

func waitIdle(ctx context.Context, a *app.App) {
	for i := 0; i < 1000; i++ {
		if s, ok, _ := a.MailStatus(ctx); ok && s.State == inbound.StateIdle {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.Fatal("fetcher never reached IDLE")
}

func logged(ctx context.Context, a *app.App, id string) bool {
	ok, _ := a.DB.NewSelect().Table("mail_inbound_log").Where("message_id = ? AND decision = 'new_ticket'", id).Exists(ctx)
	return ok
}

// folder creates a fresh Dovecot folder and returns a client, its URL
// (tls=none: the test Dovecot has no TLS) and a cleanup.
func folder(base string) (*imapclient.Client, string, func()) {
	u, err := url.Parse(base)
	if err != nil {
		log.Fatal(err)
	}
	c, err := imapclient.DialInsecure(u.Host, nil)
	if err != nil {
		log.Fatal(err)
	}
	pass, _ := u.User.Password()
	if err := c.Login(u.User.Username(), pass).Wait(); err != nil {
		log.Fatal(err)
	}
	name := "bench-" + randHex(6)
	if err := c.Create(name, nil).Wait(); err != nil {
		log.Fatal(err)
	}
	u.Path = "/" + name
	u.RawQuery = "tls=none"
	return c, u.String(), func() { _ = c.Delete(name).Wait(); c.Close() }
}

func folderName(u string) string {
	p, _ := url.Parse(u)
	return strings.TrimPrefix(p.Path, "/")
}

func appendRaw(c *imapclient.Client, mailbox string, raw []byte) {
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		log.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		log.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		log.Fatal(err)
	}
}

// message i: from one of 1,000 customers, a multipart mail with a small
// attachment every tenth message (or the given base64 attachment).
func message(i, _ int, attachment string) []byte {
	return messageWithID(i, fmt.Sprintf("<bench-%d-%s@customer%d.example>", i, randHex(3), i%1000), attachment)
}

func messageWithID(i int, id, attachment string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Customer %d <customer%d@example.com>\r\nTo: support@frontdesk.test\r\n", i%1000, i%1000)
	fmt.Fprintf(&b, "Subject: Question %d about invoice %d\r\nMessage-ID: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		i, 1000+i, id, time.Now().Format(time.RFC1123Z))
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "Hello,\r\n\r\nmy invoice %d shows the wrong amount. Could you check it? Grüße.\r\n\r\nOn Mon, someone wrote:\r\n> earlier text\r\n", 1000+i)
	if attachment != "" {
		b.WriteString("--b\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		for len(attachment) > 76 {
			b.WriteString(attachment[:76] + "\r\n")
			attachment = attachment[76:]
		}
		b.WriteString(attachment + "\r\n")
	} else if i%10 == 0 {
		b.WriteString("--b\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 invoice "+strconv.Itoa(i))) + "\r\n")
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rssKB reads a VmRSS/VmHWM line of /proc/self/status in kB.
func rssKB(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, key+":") {
			n, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return n
		}
	}
	return 0
}

var _ = imap.FlagSeen
