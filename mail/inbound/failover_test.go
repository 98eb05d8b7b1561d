package inbound_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/files"
)

// TestFetcherFailoverOnPostgres: two nodes (each its own connection pool)
// run the fetcher against one PostgreSQL and one mailbox. Only the lock
// holder fetches; the standby fetches nothing. When the holder goes —
// stopped (its context cancelled), or dead (its database connections
// closed, its lock session terminated) — the standby takes over and
// fetches the next mail. Every message is ingested exactly once.
func TestFetcherFailoverOnPostgres(t *testing.T) {
	for _, kind := range []string{"memserver", "dovecot"} {
		for _, death := range []string{"stopped", "connection lost"} {
			t.Run(kind+"/"+death, func(t *testing.T) {
				var mb mailbox
				if kind == "memserver" {
					mb = memMailbox(t)
				} else {
					mb = dovecotMailbox(t)
				}
				b := dbtest.Postgres(t)
				dbA := dbtest.Open(t, b)
				dbB, err := database.Open(context.Background(), b.Dialect, b.DSN)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { dbB.Close() })
				store, err := files.New("", t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				var mu sync.Mutex
				by := map[string]string{} // Message-ID -> node
				node := func(name string, db *bun.DB) *inbound.Fetcher {
					d := &testDeliverer{}
					in := inbound.NewIngester(inbound.IngesterDeps{DB: db, Files: store, Deliverer: d})
					f, err := inbound.NewFetcher(inbound.FetcherConfig{URL: mb.URL, Recheck: 300 * time.Millisecond, LockRetry: 100 * time.Millisecond},
						inbound.FetcherDeps{DB: db, Ingester: in, Delivered: func(r inbound.Result) {
							e, err := inbound.GetLog(context.Background(), db, r.LogID)
							if err != nil || e.MessageID == nil {
								return
							}
							mu.Lock()
							defer mu.Unlock()
							if prev, ok := by[*e.MessageID]; ok {
								t.Errorf("%s ingested by %s and %s", *e.MessageID, prev, name)
							}
							by[*e.MessageID] = name
						}})
					if err != nil {
						t.Fatal(err)
					}
					return f
				}
				fa, fb := node("A", dbA), node("B", dbB)
				ctxA, stopA := context.WithCancel(context.Background())
				doneA := make(chan error, 1)
				go func() { doneA <- fa.Run(ctxA) }()
				defer func() { stopA(); <-doneA }()
				waitFor(t, 10*time.Second, func() bool { s, _ := fa.Status(context.Background()); return s.State == inbound.StateIdle })

				ctxB, stopB := context.WithCancel(context.Background())
				doneB := make(chan error, 1)
				go func() { doneB <- fb.Run(ctxB) }()
				defer func() { stopB(); <-doneB }()

				whoGot := func(id string) string {
					var who string
					waitFor(t, 20*time.Second, func() bool {
						mu.Lock()
						defer mu.Unlock()
						who = by[id]
						return who != ""
					})
					return who
				}
				for i := 1; i <= 3; i++ {
					id := fmt.Sprintf("<before-%d@example.com>", i)
					mb.deliver(t, mailFrom("Ann <ann@example.com>", "Question", id, "Hello."))
					if who := whoGot(id); who != "A" {
						t.Fatalf("%s fetched by %s while A holds the lock", id, who)
					}
				}
				// A third node's one-shot fetch is refused while A runs.
				if _, err := node("C", dbB).FetchOnce(context.Background()); err != inbound.ErrLocked {
					t.Errorf("second fetcher while A runs: %v", err)
				}

				switch death {
				case "stopped":
					stopA()
					<-doneA
					doneA <- nil
				case "connection lost":
					// The node dies: its lock session ends on the server and
					// its pool is gone; its goroutine keeps running (and must
					// not fetch again).
					if _, err := dbB.ExecContext(context.Background(),
						"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() "+
							"AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"); err != nil {
						t.Fatal(err)
					}
					dbA.Close()
				}
				for i := 1; i <= 2; i++ {
					id := fmt.Sprintf("<after-%d@example.com>", i)
					mb.deliver(t, mailFrom("Bea <bea@example.com>", "Another", id, "Hi."))
					if who := whoGot(id); who != "B" {
						t.Fatalf("%s fetched by %s after A went", id, who)
					}
				}
				var n int
				if err := dbB.NewSelect().Table("mail_inbound_log").ColumnExpr("COUNT(*)").Scan(context.Background(), &n); err != nil {
					t.Fatal(err)
				}
				if n != 5 {
					t.Errorf("%d log rows for 5 messages", n)
				}
				if seen := mb.seen(t); len(seen) != 5 {
					t.Errorf("mailbox holds %d messages", len(seen))
				}
			})
		}
	}
}
