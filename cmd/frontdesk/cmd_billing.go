package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/frontdesk/frontdesk/billing"
)

func billingImportCommand() command {
	return command{
		summary: "import invoices and payments (CSV or JSON, see README); all files or nothing",
		usage:   "billing import FILE...",
		run:     runBillingImport,
	}
}

// runBillingImport parses every file, then imports them together in one
// transaction: a problem anywhere (each one named by file and line or JSON
// path) imports nothing. Re-importing the same files changes nothing.
func runBillingImport(ctx context.Context, env *cmdEnv) error {
	if len(env.args) == 0 {
		return usageError{"billing import: give at least one CSV or JSON file"}
	}
	all := &billing.Batch{}
	var problems []billing.Problem
	for _, path := range env.args {
		f, err := os.Open(path)
		if err != nil {
			return usageError{err.Error()}
		}
		b, err := billing.Parse(path, f)
		f.Close()
		var ve *billing.ValidationError
		switch {
		case errors.As(err, &ve):
			problems = append(problems, ve.Problems...)
			continue
		case err != nil:
			return usageError{fmt.Sprintf("%s: %v", path, err)}
		}
		all.Invoices = append(all.Invoices, b.Invoices...)
		all.Payments = append(all.Payments, b.Payments...)
	}
	if len(problems) == 0 {
		a, err := openCommandApp(ctx, env)
		if err != nil {
			return err
		}
		defer a.Close()
		rep, err := a.Billing.Import(ctx, all, billing.SourceImport)
		var ve *billing.ValidationError
		switch {
		case errors.As(err, &ve):
			problems = ve.Problems
		case err != nil:
			return err
		default:
			fmt.Fprintln(env.stdout, rep)
			return nil
		}
	}
	for _, p := range problems {
		fmt.Fprintf(env.stderr, "%s: %s\n", p.Where, p.Message)
	}
	return fmt.Errorf("%d problem(s): nothing imported", len(problems))
}
