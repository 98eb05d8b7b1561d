package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

type demoUser struct {
	label, email, name string
	role               identity.Role
	org, password      string
}

var demoOrgs = []struct {
	name, slug, domain string
	highValue          bool
}{
	{"Acme Corp", "acme", "acme.example", true},
	{"Globex", "globex", "globex.example", false},
}

func demoUsers() []demoUser {
	return []demoUser{
		{"admin", "admin@demo.frontdesk.test", "Ada Admin", identity.RoleAdmin, "", "demo-admin-2026"},
		{"agent", "alice@demo.frontdesk.test", "Alice Agent", identity.RoleAgent, "", "demo-alice-2026"},
		{"agent", "bob@demo.frontdesk.test", "Bob Agent", identity.RoleAgent, "", "demo-bob-2026"},
		{"customer", "carol@acme.example", "Carol Customer", identity.RoleCustomer, "acme", "demo-carol-2026"},
		{"customer", "dave@acme.example", "Dave Customer", identity.RoleCustomer, "acme", "demo-dave-2026"},
		{"customer", "erin@globex.example", "Erin Customer", identity.RoleCustomer, "globex", "demo-erin-2026"},
	}
}

// SeedDemo creates the demo organisations (Acme Corp, high-value, and
// Globex, each with its email domain) and users, and returns their logins.
// With seeded true it creates nothing and only returns the lines. A line
// shows a demo password only while it still logs that user in: one a demo
// user changed is not printed.
func (s *Service) SeedDemo(ctx context.Context, seeded bool) ([]string, error) {
	if !seeded {
		if err := s.seedDemo(ctx); err != nil {
			return nil, err
		}
	}
	lines := []string{"Demo logins:"}
	for _, u := range demoUsers() {
		org := ""
		for _, o := range demoOrgs {
			if o.slug == u.org {
				org = "  (" + o.name + ")"
			}
		}
		pw := "password: " + u.password
		switch cur, err := userByEmail(ctx, s.db, u.email); {
		case errors.Is(err, ErrUserNotFound):
			continue
		case err != nil:
			return nil, err
		case cur.DeactivatedAt != nil:
			pw = "(deactivated)"
		case cur.PasswordHash == nil:
			pw = "(password changed since the demo was set up)"
		default:
			if ok, _ := s.pw.verify(*cur.PasswordHash, u.password); !ok {
				pw = "(password changed since the demo was set up)"
			}
		}
		lines = append(lines, fmt.Sprintf("  %-9s %-25s  %s%s", u.label, u.email, pw, org))
	}
	return lines, nil
}

func (s *Service) seedDemo(ctx context.Context) error {
	now := s.clock()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, o := range demoOrgs {
			n, err := tx.NewSelect().Model((*Organization)(nil)).Where("slug = ?", o.slug).Count(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			org := &Organization{Name: o.name, Slug: o.slug, HighValue: o.highValue, CreatedAt: now, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(org).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewInsert().Model(&OrganizationDomain{OrgID: org.ID, Domain: o.domain}).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range demoUsers() {
		_, err := s.CreateUser(ctx, CreateUserInput{Email: u.email, Name: u.name, Password: u.password, Role: u.role, OrgSlug: u.org})
		if err != nil && !errors.Is(err, ErrEmailTaken) {
			return fmt.Errorf("demo user %s: %w", u.email, err)
		}
	}
	return nil
}

// Pruner returns the worker that deletes expired sessions, used or expired
// emailed tokens and stale rate-limit counters once an hour.
func (s *Service) Pruner() *Pruner { return &Pruner{s: s, every: time.Hour} }

// Pruner is the clean-up worker.
type Pruner struct {
	s     *Service
	every time.Duration
}

// Run prunes until ctx is cancelled.
func (p *Pruner) Run(ctx context.Context) error {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		if err := p.s.Prune(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Prune deletes expired sessions, emailed tokens that expired or were used
// more than a day ago, and stale rate-limit counters.
func (s *Service) Prune(ctx context.Context) error {
	now := s.clock()
	if _, err := s.db.NewDelete().Model((*Session)(nil)).Where("expires_at < ?", now).Exec(ctx); err != nil {
		return err
	}
	day := now.Add(-24 * time.Hour)
	if _, err := s.db.NewDelete().Model((*UserToken)(nil)).Where("expires_at < ? OR used_at < ?", day, day).Exec(ctx); err != nil {
		return err
	}
	return s.PruneRateLimits(ctx)
}
