// Command frontdesk is the whole help desk in one binary: the web app and
// its workers (serve), schema migrations (migrate) and the admin commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/platform/web"
)

// command is one subcommand. run gets the parsed config and its own
// remaining arguments.
type command struct {
	summary string
	usage   string
	// flags declares the command's own flags, binding them into env.
	flags func(fs *flag.FlagSet, env *cmdEnv)
	run   func(ctx context.Context, env *cmdEnv) error
}

// cmdEnv is what a subcommand works with.
type cmdEnv struct {
	cfg    app.Config
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// usageError marks an error caused by how the command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command line and returns the process exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	// Two-word commands ("user add", "kb import") win over one-word ones.
	name, rest := args[0], args[1:]
	if len(args) > 1 {
		if _, ok := cmds[args[0]+" "+args[1]]; ok {
			name, rest = args[0]+" "+args[1], args[2:]
		}
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "frontdesk: unknown command %q (run 'frontdesk --help')\n", name)
		return 2
	}
	env := &cmdEnv{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("frontdesk "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env.cfg.BindFlags(fs)
	configFlags := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { configFlags[f.Name] = true })
	if cmd.flags != nil {
		cmd.flags(fs, env)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: frontdesk %s\n\n%s\n\nFlags (each also read from FRONTDESK_<FLAG>):\n", cmd.usage, cmd.summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := app.ApplyEnv(fs, getenv); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return 2
	}
	if err := env.cfg.Normalize(); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return 2
	}
	// Text a command writes (a user's name, a category, ...) is cleaned at
	// this edge as web.CleanInput cleans requests: control characters go.
	// Configuration flags (paths, URLs) are left as given.
	fs.VisitAll(func(f *flag.Flag) {
		if v := f.Value.String(); !configFlags[f.Name] && web.CleanText(v) != v {
			_ = f.Value.Set(web.CleanText(v))
		}
	})
	env.args = fs.Args()
	env.log = newLogger(env.cfg, stderr)
	if err := cmd.run(ctx, env); err != nil {
		fmt.Fprintf(stderr, "frontdesk %s: %v\n", name, err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Frontdesk: a help desk customer portal in one binary.")
	fmt.Fprintln(w, "\nUsage: frontdesk COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'frontdesk COMMAND --help' for a command's flags.")
}

func newLogger(cfg app.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
