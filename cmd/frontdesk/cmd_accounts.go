package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

func userAddCommand() command {
	var email, role, name, org string
	return command{
		summary: "create a verified user; the password is read from the first line of standard input",
		usage:   "user add --email E --role customer|agent|admin [--name N] [--org O] < password",
		flags: func(fs *flag.FlagSet, env *cmdEnv) {
			fs.StringVar(&email, "email", "", "the user's email address (required)")
			fs.StringVar(&role, "role", "", "customer, agent or admin (required)")
			fs.StringVar(&name, "name", "", "the user's display name")
			fs.StringVar(&org, "org", "", "slug or name of an existing organisation to join")
		},
		run: func(ctx context.Context, env *cmdEnv) error {
			return runUserAdd(ctx, env, accounts.CreateUserInput{Email: email, Role: identity.Role(role), Name: name, OrgSlug: org})
		},
	}
}

func tokenCreateCommand() command {
	var email, name string
	return command{
		summary: "create an API token for a user and print it (shown once)",
		usage:   "token create --email E [--name N]",
		flags: func(fs *flag.FlagSet, env *cmdEnv) {
			fs.StringVar(&email, "email", "", "the user the token acts as (required)")
			fs.StringVar(&name, "name", "", "a label for the token, shown in the user's profile")
		},
		run: func(ctx context.Context, env *cmdEnv) error { return runTokenCreate(ctx, env, email, name) },
	}
}

func runUserAdd(ctx context.Context, env *cmdEnv, in accounts.CreateUserInput) error {
	if len(env.args) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (the password is read from standard input)", env.args[0])}
	}
	if strings.TrimSpace(in.Email) == "" {
		return usageError{"--email is required"}
	}
	switch in.Role {
	case identity.RoleCustomer, identity.RoleAgent, identity.RoleAdmin:
	case "":
		return usageError{"--role is required: customer, agent or admin"}
	default:
		return usageError{fmt.Sprintf("--role %q: want customer, agent or admin", in.Role)}
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return usageError{"no password on standard input (pipe it in: echo 'the password' | frontdesk user add …)"}
	}
	// Cleaned as the login form's password is (web.CleanInput), or a
	// control character would make a password nobody can log in with.
	in.Password = web.CleanText(strings.TrimRight(line, "\r\n"))
	if in.Password == "" {
		return usageError{"the password (first line of standard input) is empty"}
	}
	a, err := openCommandApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Accounts
	u, err := svc.CreateUser(ctx, in)
	var fe web.FieldErrors
	switch {
	case errors.As(err, &fe):
		for _, field := range []string{"email", "role", "password", "org"} {
			if msg, ok := fe[field]; ok {
				return usageError{fmt.Sprintf("%s: %s", field, msg)}
			}
		}
		return usageError{fe.Error()}
	case errors.Is(err, accounts.ErrEmailTaken):
		return usageError{fmt.Sprintf("a user with email %s already exists", accounts.NormalizeEmail(in.Email))}
	case err != nil:
		return err
	}
	org := ""
	if in.OrgSlug != "" {
		org = " in organisation " + in.OrgSlug
	}
	fmt.Fprintf(env.stdout, "created %s %s (id %d)%s\n", u.Role, u.Email, u.ID, org)
	return nil
}

func runTokenCreate(ctx context.Context, env *cmdEnv, email, name string) error {
	if len(env.args) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", env.args[0])}
	}
	if strings.TrimSpace(email) == "" {
		return usageError{"--email is required"}
	}
	a, err := openCommandApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Accounts
	u, err := svc.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return usageError{fmt.Sprintf("no user with email %s", accounts.NormalizeEmail(email))}
	}
	if err != nil {
		return err
	}
	if u.DeactivatedAt != nil {
		return usageError{fmt.Sprintf("user %s is deactivated", u.Email)}
	}
	if name == "" {
		name = "created with frontdesk token create"
	}
	secret, _, err := svc.CreateAPIToken(ctx, u.ID, name, accounts.AuditEntry{ActorEmail: "cli", IP: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, secret)
	return nil
}
