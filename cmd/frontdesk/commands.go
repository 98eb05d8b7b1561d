package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/platform/database"
)

// commands lists every subcommand. Domain commands live in their own files
// (cmd_<domain>.go) and are added here.
func commands() map[string]command {
	cmds := map[string]command{
		"serve": {
			summary: "run the web app and its background workers",
			usage:   "serve [--demo] [flags]",
			flags: func(fs *flag.FlagSet, env *cmdEnv) {
				fs.BoolVar(&env.cfg.Demo, "demo", false, "fill an empty database with demo data first and print the demo logins")
			},
			run: runServe,
		},
		"migrate": {
			summary: "apply pending database migrations and report them",
			usage:   "migrate [flags]",
			run:     runMigrate,
		},
		"demo": {
			summary: "fill an empty database with demo data and print the demo logins",
			usage:   "demo [flags]",
			run:     runDemo,
		},
	}
	for name, c := range domainCommands() {
		cmds[name] = c
	}
	return cmds
}

// openApp builds the app (opening the database and migrating it) for a
// command that needs the domain services.
func openApp(ctx context.Context, env *cmdEnv) (*app.App, error) {
	return app.New(ctx, env.cfg, env.log)
}

// openCommandApp builds the app for a one-shot command: the same services
// and wiring serve uses, without opening the search indexes a running
// serve holds. Close it when done.
func openCommandApp(ctx context.Context, env *cmdEnv) (*app.App, error) {
	cfg := env.cfg
	cfg.Command = true
	return app.New(ctx, cfg, env.log)
}

func runServe(ctx context.Context, env *cmdEnv) error {
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := a.Listen()
	if err != nil {
		return err
	}
	if env.cfg.Demo {
		if err := a.SeedDemo(ctx, env.stdout); err != nil {
			ln.Close()
			return err
		}
	}
	fmt.Fprintf(env.stdout, "Frontdesk is listening on http://%s (data in %s)\n", ln.Addr(), env.cfg.DataDir)
	if err := a.Serve(ctx, ln); err != nil {
		return err
	}
	env.log.Info("stopped")
	return nil
}

func runMigrate(ctx context.Context, env *cmdEnv) error {
	dbu, err := app.ParseDBURL(env.cfg.DB)
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, dbu.Dialect, dbu.DSN)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := database.Migrate(ctx, db)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.stdout, "database is up to date")
		return nil
	}
	for _, name := range applied {
		fmt.Fprintf(env.stdout, "applied %s\n", name)
	}
	fmt.Fprintf(env.stdout, "%d migrations applied\n", len(applied))
	return nil
}

func runDemo(ctx context.Context, env *cmdEnv) error {
	a, err := openApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.SeedDemo(ctx, env.stdout)
}
