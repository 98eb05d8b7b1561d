package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/frontdesk/frontdesk/mail/inbound"
)

func mailFetchCommand() command {
	var once bool
	return command{
		summary: "fetch the support mailbox (--imap-url) into tickets; --once fetches what is waiting, prints counts and exits",
		usage:   "mail fetch --once [flags]",
		flags: func(fs *flag.FlagSet, env *cmdEnv) {
			fs.BoolVar(&once, "once", false, "fetch what is waiting, print the counts and exit (without it: keep fetching until interrupted)")
		},
		run: func(ctx context.Context, env *cmdEnv) error { return runMailFetch(ctx, env, once) },
	}
}

func runMailFetch(ctx context.Context, env *cmdEnv, once bool) error {
	if len(env.args) > 0 {
		return usageError{"mail fetch: unexpected arguments " + fmt.Sprint(env.args)}
	}
	if env.cfg.IMAPURL == "" {
		return usageError{"mail fetch: set --imap-url (or FRONTDESK_IMAP_URL), e.g. imaps://user:pass@mail.example.com:993/INBOX"}
	}
	a, err := openCommandApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	f, err := a.MailFetcher()
	if err != nil {
		return err
	}
	if !once {
		fmt.Fprintf(env.stdout, "fetching %s until interrupted\n", f.Mailbox())
		return f.Run(ctx)
	}
	sum, err := f.FetchOnce(ctx)
	if errors.Is(err, inbound.ErrLocked) {
		return fmt.Errorf("%w (a running serve fetches this mailbox already)", err)
	}
	fmt.Fprintln(env.stdout, sum.String())
	if err != nil {
		return err
	}
	if n := sum.ByDecision[inbound.DecisionFailed]; n > 0 {
		return fmt.Errorf("%d messages failed (kept for re-processing in /admin/mail)", n)
	}
	return nil
}
