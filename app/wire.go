package app

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/app/web"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/views"
)

// wire builds every domain package's service and mounts its handlers,
// workers, readiness checks and demo data. It is the only place that knows
// all domains. Order matters: mail first (others enqueue into it), then
// accounts (its middleware sets the current user for every later route),
// then the domains that use both.
func (a *App) wire() error {
	if err := a.wireMail(); err != nil {
		return err
	}
	if err := a.wireAccounts(); err != nil {
		return err
	}
	if err := a.wireAdmin(); err != nil {
		return err
	}
	if err := a.wireKB(); err != nil {
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
	})
	return nil
}

// wireAccounts: identity middleware, account pages, admin pages, API auth.
func (a *App) wireAccounts() error {
	svc := accounts.NewService(accounts.Deps{
		DB: a.DB, Outbox: a.Mail, Settings: a.Settings, BaseURL: a.Config.BaseURL,
		SecureCookies: a.Config.SecureCookies(), Log: a.Log,
	})
	svc.Mount(a.Fiber)
	a.AddDemoSeeder(svc.SeedDemo)
	a.AddWorker("accounts-prune", svc.Pruner())
	return nil
}

// wireAdmin: admin pages for users, organisations, settings, audit log.
func (a *App) wireAdmin() error {
	return nil
}

// wireKB: the help center, search index, editor and reports.
func (a *App) wireKB() error {
	// Home page until the knowledge base takes "/" over.
	a.Fiber.Get("/", func(c *fiber.Ctx) error {
		return web.Render(c, "home/index", "", fiber.Map{})
	})
	return nil
}
