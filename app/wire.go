package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/admin"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/views"
)

// wire builds every domain package's service and mounts its handlers,
// workers, readiness checks and demo data. It is the only place that knows
// all domains. Order matters: mail first (others enqueue into it), then
// accounts (its middleware sets the current user for every later route),
// then the domains that use both.
func (a *App) wire(ctx context.Context) error {
	if err := a.wireMail(); err != nil {
		return err
	}
	acc, err := a.wireAccounts()
	if err != nil {
		return err
	}
	a.Accounts = acc
	if err := a.wireAdmin(acc); err != nil {
		return err
	}
	// The outbox pages need the identity middleware, mounted by wireAccounts.
	mail.NewAdmin(mail.AdminDeps{
		DB: a.DB, Outbox: a.Mail, SMTPConfigured: a.Config.SMTPURL != "",
		Guard: policy.Require(policy.Administer),
	}).Mount(a.Fiber)
	if err := a.wireKB(ctx); err != nil {
		return err
	}
	if a.Billing, err = a.wireBilling(acc); err != nil {
		return err
	}
	if err := a.wireTickets(acc); err != nil {
		return err
	}
	if err := a.wireWorkspaces(acc); err != nil {
		return err
	}
	// After tickets: inbound mail is delivered into them.
	if err := a.wireMailInbound(); err != nil {
		return err
	}
	return nil
}

// wireMail: the outbox and its SMTP sender (mail package).
func (a *App) wireMail() error {
	a.Mail = mail.NewOutbox(mail.OutboxDeps{
		Templates: views.FS,
		Funcs:     templateFuncs(a.Assets),
		Brand: func(ctx context.Context) mail.Brand {
			b := a.brand(ctx)
			return mail.Brand{Name: b.Name, Color: b.PrimaryColor}
		},
		BaseURL:        a.Config.BaseURL,
		SupportAddress: a.Config.SupportAddress,
		MessageIDKey:   a.mailMessageIDKey(),
	})
	// Without --smtp-url no sender runs: mail waits in the outbox, where
	// admins read it (/admin/outbox) until a server is configured.
	if a.Config.SMTPURL != "" {
		sender, err := mail.NewSMTPSender(a.Config.SMTPURL, mail.SenderDeps{
			DB: a.DB, Outbox: a.Mail, From: a.Config.SupportAddress,
			FromName:   func(ctx context.Context) string { return a.brand(ctx).Name },
			Log:        a.Log.With("worker", "mail-sender"),
			Registerer: a.Metrics.Registry,
		})
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		a.AddWorker("mail-sender", sender)
	}
	return nil
}

// wireAccounts: identity middleware, account pages, admin pages, API auth.
func (a *App) wireAccounts() (*accounts.Service, error) {
	// One secret for every node, made on first start: it binds CSRF tokens
	// to sessions and seals flash messages.
	key, err := a.Settings.Secret(context.Background(), "security.server_key", 32)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	svc := accounts.NewService(accounts.Deps{
		DB: a.DB, Outbox: a.Mail, Settings: a.Settings, BaseURL: a.Config.BaseURL,
		SecureCookies: a.Config.SecureCookies(), Log: a.Log, ServerKey: key,
	})
	svc.Mount(a.Fiber)
	a.AddDemoSeeder(svc.SeedDemo)
	a.AddWorker("accounts-prune", svc.Pruner())
	return svc, nil
}

// wireAdmin: admin pages for users, organisations, settings, audit log.
func (a *App) wireAdmin(acc *accounts.Service) error {
	admin.New(admin.Deps{Accounts: acc, Settings: a.Settings}).Mount(a.Fiber)
	return nil
}

// wireKB: the help center, search index, editor and reports.
//
// Each node keeps its own bleve index in <data-dir>/kb-index: rebuilt from
// the database when missing or when its mapping changed, then caught up
// with kb_changes (repairing a crash between a DB write and the index
// write), and kept in step by the follower, which polls kb_changes every
// second and is nudged after local writes, so a change on any node is
// searchable on every node within seconds. The rebuild runs under ctx (the
// app's, which SIGTERM cancels), so a long rebuild never delays a stop.
func (a *App) wireKB(ctx context.Context) error {
	if a.Config.Command {
		// A one-shot command runs beside serving nodes, which hold their
		// index: it writes through the service, and the followers index
		// what it changed.
		a.KB = kb.NewService(kb.Deps{DB: a.DB, Log: a.Log, BaseURL: a.Config.BaseURL, Files: a.Files, Users: a.Accounts})
		return nil
	}
	ix, err := kb.OpenIndex(filepath.Join(a.Config.DataDir, "kb-index"), a.Log, 10*time.Second, a.Config.KBSearchCache)
	if err != nil {
		return fmt.Errorf("knowledge-base index: %w", err)
	}
	a.AddCloser(ix.Close)
	src := kb.NewSource(a.DB)
	follower := search.NewFollower(ix, src, time.Second, a.Log)
	if ix.NeedsRebuild() {
		if err := follower.Rebuild(ctx); err != nil {
			return fmt.Errorf("knowledge-base index rebuild: %w", err)
		}
	}
	if err := follower.CatchUp(ctx); err != nil {
		return fmt.Errorf("knowledge-base index catch-up: %w", err)
	}
	searchLog := kb.NewSearchLogger(a.DB, a.Log)
	svc := kb.NewService(kb.Deps{
		DB: a.DB, Index: kb.IndexSearcher{Index: ix}, Follower: follower,
		Log: a.Log, BaseURL: a.Config.BaseURL, SearchLog: searchLog,
		Files: a.Files, Users: a.Accounts,
	})
	a.KB = svc
	a.AddWorker("kb-index", follower)
	a.AddWorker("kb-search-log", searchLog)
	a.AddReadyCheck("kb-index", func(ctx context.Context) error {
		if _, err := ix.Count(); err != nil {
			return err
		}
		last, err := ix.LastChange()
		if err != nil {
			return err
		}
		head, err := src.MaxChangeID(ctx)
		if err != nil {
			return err
		}
		if head-last > 1000 {
			return fmt.Errorf("search index is %d changes behind", head-last)
		}
		// Searches work before the follower has loaded the in-memory
		// scoring mirror, but at a fraction of the throughput.
		if ix.MemoryPending() {
			return errors.New("search memory still loading")
		}
		return nil
	})
	a.AddDemoSeeder(svc.SeedDemo)
	kb.NewPortal(svc, a.Config.SecureCookies()).Mount(a.Fiber)
	kb.NewEditorHandlers(kb.EditorDeps{Service: svc, Log: a.Log, Deflection: kbDeflection{a}}).Mount(a.Fiber)
	return a.wireKBSearch(svc)
}

// RebuildKBIndex rebuilds <data-dir>/kb-index from the database (for
// 'frontdesk kb reindex' and after a large import). It fails with a clear
// message, instead of waiting, when a running serve holds the index.
func (a *App) RebuildKBIndex(ctx context.Context) (int, error) {
	ix, err := kb.OpenIndex(filepath.Join(a.Config.DataDir, "kb-index"), a.Log, 5*time.Second, a.Config.KBSearchCache)
	if err != nil {
		return 0, err
	}
	defer ix.Close()
	src := kb.NewSource(a.DB)
	last, err := src.MaxChangeID(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = ix.Rebuild(last, func(put func(search.Doc) error) error {
		return src.AllDocs(ctx, func(d search.Doc) error {
			n++
			return put(d)
		})
	})
	return n, err
}
