package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// runWithStdin runs one command line like main does, with stdin.
func runWithStdin(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestUserAddAndTokenCreate(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		env := map[string]string{"FRONTDESK_DB": b.URL, "FRONTDESK_DATA_DIR": t.TempDir()}

		code, out, errOut := runWithStdin(t, env, "a long admin password\n", "user", "add", "--email", "Root@Example.com", "--role", "admin", "--name", "Root")
		if code != 0 || !strings.Contains(out, "root@example.com") || !strings.Contains(out, "admin") {
			t.Fatalf("user add: exit %d, out %q, err %q", code, out, errOut)
		}

		code, out, errOut = runWithStdin(t, env, "", "token", "create", "--email", "ROOT@example.com", "--name", "ci")
		if code != 0 || !regexp.MustCompile(`^fd_[A-Za-z0-9_-]{40,}\n$`).MatchString(out) {
			t.Fatalf("token create: exit %d, out %q (want only the token), err %q", code, out, errOut)
		}
		code, out2, _ := runWithStdin(t, env, "", "token", "create", "--email", "root@example.com")
		if code != 0 || out2 == out {
			t.Fatalf("a second token must differ: exit %d", code)
		}

		tests := []struct {
			name    string
			stdin   string
			args    []string
			wantErr string
		}{
			{"duplicate email", "another long password\n", []string{"user", "add", "--email", "root@EXAMPLE.com", "--role", "agent"}, "already exists"},
			{"unknown role", "another long password\n", []string{"user", "add", "--email", "x@example.com", "--role", "boss"}, `--role "boss"`},
			{"missing role", "another long password\n", []string{"user", "add", "--email", "x@example.com"}, "--role is required"},
			{"missing email", "another long password\n", []string{"user", "add", "--role", "agent"}, "--email is required"},
			{"empty password", "\n", []string{"user", "add", "--email", "x@example.com", "--role", "agent"}, "password"},
			{"no stdin", "", []string{"user", "add", "--email", "x@example.com", "--role", "agent"}, "standard input"},
			{"weak password", "short\n", []string{"user", "add", "--email", "x@example.com", "--role", "agent"}, "at least 10"},
			{"common password", "password123\n", []string{"user", "add", "--email", "x@example.com", "--role", "agent"}, "too common"},
			{"bad email", "another long password\n", []string{"user", "add", "--email", "not-an-email", "--role", "agent"}, "valid email"},
			{"unknown org", "another long password\n", []string{"user", "add", "--email", "x@example.com", "--role", "customer", "--org", "nope"}, "Unknown organisation"},
			{"token for unknown user", "", []string{"token", "create", "--email", "nobody@example.com"}, "no user with email nobody@example.com"},
			{"token without email", "", []string{"token", "create"}, "--email is required"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, out, errOut := runWithStdin(t, env, tt.stdin, tt.args...)
				if code == 0 || !strings.Contains(errOut, tt.wantErr) || out != "" {
					t.Fatalf("exit %d, stdout %q, stderr %q; want non-zero with %q", code, out, errOut, tt.wantErr)
				}
				if n := strings.Count(strings.TrimSpace(errOut), "\n"); n > 0 {
					t.Errorf("want one clear line, got %q", errOut)
				}
			})
		}
		// x@example.com was never created by the failures above.
		code, _, errOut = runWithStdin(t, env, "", "token", "create", "--email", "x@example.com")
		if code == 0 || !strings.Contains(errOut, "no user") {
			t.Fatalf("a failed user add left a user behind: exit %d, %q", code, errOut)
		}
	})
}
