package tickets_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

// Benchmarks of the agent desk, in-process (Fiber's Test, no network).
//
// With FRONTDESK_BENCH_TICKETS_DIR naming a data directory made by
// `go run ./bench/ticketgen -data-dir DIR` (100,000 tickets, 500,000
// messages, SQLite) they run on that; without it on 2,000 generated
// tickets, so CI keeps them working. Each reports p50/p99 per request.

type benchEnv struct {
	app    *app.App
	client *apptest.Client
}

func openBench(b *testing.B) *benchEnv {
	b.Helper()
	dir := os.Getenv("FRONTDESK_BENCH_TICKETS_DIR")
	generate := dir == ""
	if generate {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "frontdesk.db")
	backend := dbtest.Backend{Name: "sqlite", URL: "sqlite://" + path, Dialect: "sqlite", DSN: path}
	a := apptest.New(b, backend, func(c *app.Config) { c.DataDir = dir })
	ctx := context.Background()
	acc := accounts.NewService(accounts.Deps{DB: a.DB, Settings: a.Settings, Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1}})
	if generate {
		spec := tickets.LoadSpec{Tickets: 2000, MessagesPer: 5, Orgs: map[int64]int64{}, Seed: 7, LongMessages: 50}
		o := &accounts.Organization{Name: "Org", Slug: "org", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if _, err := a.DB.NewInsert().Model(o).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			u, err := acc.CreateUser(ctx, accounts.CreateUserInput{Email: fmt.Sprintf("agent%d@bench.test", i+1), Name: "Agent", Password: password, Role: identity.RoleAgent})
			if err != nil {
				b.Fatal(err)
			}
			spec.Agents = append(spec.Agents, u.ID)
		}
		for i := 0; i < 50; i++ {
			u, err := acc.FindOrCreateContact(ctx, a.DB, fmt.Sprintf("c%d@bench.test", i), "C")
			if err != nil {
				b.Fatal(err)
			}
			spec.Requesters = append(spec.Requesters, u.ID)
			spec.Orgs[u.ID] = o.ID
		}
		if err := tickets.BulkLoad(ctx, a.DB, spec); err != nil {
			b.Fatal(err)
		}
	}
	agent, err := acc.UserByEmail(ctx, "agent1@bench.test")
	if err != nil {
		b.Fatal(err)
	}
	c := apptest.NewClient(b, a)
	secret, _, err := acc.CreateSession(ctx, agent, false, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	c.SetCookie(accounts.SessionCookie, secret)
	return &benchEnv{app: a, client: c}
}

func benchGet(b *testing.B, env *benchEnv, path string) {
	b.Helper()
	// Warm caches and check the page works.
	for i := 0; i < 3; i++ {
		resp := env.client.Get(path)
		body := apptest.Body(b, resp)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
		}
	}
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp := env.client.Get(path)
		apptest.Body(b, resp)
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	pct := func(p float64) float64 {
		return float64(durs[min(len(durs)-1, int(float64(len(durs))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func BenchmarkAgentDesk(b *testing.B) {
	env := openBench(b)
	b.Run("inbox-first-page", func(b *testing.B) { benchGet(b, env, "/agent") })
	b.Run("inbox-htmx-poll", func(b *testing.B) {
		// What bench/tickets-inbox.sh measures over HTTP: the rows only.
		env.client.Header.Set("HX-Request", "true")
		defer env.client.Header.Del("HX-Request")
		benchGet(b, env, "/agent")
	})
	// The same without the rendered-rows cache: what every request costs
	// right after a ticket changed (or for a view nobody else polls).
	b.Run("inbox-htmx-poll-uncached", func(b *testing.B) {
		tickets.SetInboxCache(env.app.Tickets, false)
		defer tickets.SetInboxCache(env.app.Tickets, true)
		env.client.Header.Set("HX-Request", "true")
		defer env.client.Header.Del("HX-Request")
		benchGet(b, env, "/agent")
	})
	b.Run("inbox-first-page-uncached", func(b *testing.B) {
		tickets.SetInboxCache(env.app.Tickets, false)
		defer tickets.SetInboxCache(env.app.Tickets, true)
		benchGet(b, env, "/agent")
	})
	b.Run("inbox-filtered", func(b *testing.B) { benchGet(b, env, "/agent?view=open&priority=high&tag=billing&sort=updated") })
	b.Run("inbox-all-open-sla", func(b *testing.B) { benchGet(b, env, "/agent?view=open&sort=sla") })
	b.Run("ticket-50-messages", func(b *testing.B) { benchGet(b, env, "/agent/tickets/1001") })
	b.Run("search", func(b *testing.B) { benchGet(b, env, "/agent?view=all&q=password+reset") })
}
