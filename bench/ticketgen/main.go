// Command ticketgen fills a fresh data directory with benchmark tickets:
// -tickets tickets with -messages messages each (default 100,000 and 5:
// 500,000 messages), requested by 2,000 customers in 200 organisations
// and worked by 10 agents, plus ticket #1001 with 50 messages. Then it
// builds the ticket search index. Log in as agent1@bench.test with the
// password "bench-agent-password-2026".
//
//	go run ./bench/ticketgen -data-dir /tmp/tickets-bench
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/tickets"
)

// AgentPassword is the password of every generated agent.
const AgentPassword = "bench-agent-password-2026"

func main() {
	dir := flag.String("data-dir", "", "fresh data directory to fill (required)")
	n := flag.Int("tickets", 100000, "tickets")
	per := flag.Int("messages", 5, "messages per ticket")
	flag.Parse()
	if *dir == "" {
		log.Fatal("-data-dir is required")
	}
	if err := run(*dir, *n, *per); err != nil {
		log.Fatal(err)
	}
}

func open(dir string) (*app.App, error) {
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: dir, LogLevel: "warn", LogFormat: "text"}
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	return app.New(context.Background(), cfg, nil)
}

func run(dir string, n, per int) error {
	ctx := context.Background()
	a, err := open(dir)
	if err != nil {
		return err
	}
	start := time.Now()
	spec := tickets.LoadSpec{Tickets: n, MessagesPer: per, Orgs: map[int64]int64{}, Seed: 7, LongMessages: 50}
	var orgs []int64
	for i := 0; i < 200; i++ {
		o := &accounts.Organization{Name: fmt.Sprintf("Org %03d", i), Slug: fmt.Sprintf("org-%03d", i), CreatedAt: start, UpdatedAt: start}
		if _, err := a.DB.NewInsert().Model(o).Exec(ctx); err != nil {
			return err
		}
		orgs = append(orgs, o.ID)
	}
	for i := 0; i < 10; i++ {
		u, err := a.Accounts.CreateUser(ctx, accounts.CreateUserInput{Email: fmt.Sprintf("agent%d@bench.test", i+1),
			Name: fmt.Sprintf("Agent %d", i+1), Password: AgentPassword, Role: identity.RoleAgent})
		if err != nil {
			return err
		}
		spec.Agents = append(spec.Agents, u.ID)
	}
	for i := 0; i < 2000; i++ {
		u, err := a.Accounts.FindOrCreateContact(ctx, a.DB, fmt.Sprintf("customer%d@bench.test", i), fmt.Sprintf("Customer %d", i))
		if err != nil {
			return err
		}
		spec.Requesters = append(spec.Requesters, u.ID)
		if i%10 != 0 { // 90% belong to an organisation
			spec.Orgs[u.ID] = orgs[i%len(orgs)]
		}
	}
	if err := tickets.BulkLoad(ctx, a.DB, spec); err != nil {
		return err
	}
	fmt.Printf("loaded %d tickets, %d messages in %s\n", n, n*per+45, time.Since(start).Round(time.Second))
	if _, err := a.DB.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	a.Close()
	// Reopening finds the index behind and rebuilds it from the database.
	if err := os.RemoveAll(filepath.Join(dir, "tickets-index")); err != nil {
		return err
	}
	start = time.Now()
	a, err = open(dir)
	if err != nil {
		return err
	}
	fmt.Printf("ticket index built in %s\n", time.Since(start).Round(time.Second))
	return a.Close()
}
