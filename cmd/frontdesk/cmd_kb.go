package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/kb"
)

// rebuildAfterImport is the number of created or updated articles above
// which kb import rebuilds the search index itself (when no server holds
// it) rather than leaving thousands of changes to the follower.
const rebuildAfterImport = 1000

func kbImportCommand() command {
	var category string
	return command{
		summary: "import Markdown articles (files or folders) into the knowledge base",
		usage:   "kb import [--category C] PATH...",
		flags: func(fs *flag.FlagSet, env *cmdEnv) {
			fs.StringVar(&category, "category", "", "category (name or slug) for files whose front matter names none; created when missing")
		},
		run: func(ctx context.Context, env *cmdEnv) error { return runKBImport(ctx, env, category) },
	}
}

func kbReindexCommand() command {
	return command{
		summary: "rebuild the knowledge-base search index from the database (stop serve first)",
		usage:   "kb reindex [flags]",
		run:     runKBReindex,
	}
}

func runKBImport(ctx context.Context, env *cmdEnv, category string) error {
	if len(env.args) == 0 {
		return usageError{"kb import: give at least one Markdown file or folder"}
	}
	a, err := openCommandApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	files := kb.CollectFiles(env.args)
	start := time.Now()
	rep, err := a.KB.Import(ctx, files, kb.ImportOptions{Category: category})
	if err != nil {
		return err
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(env.stderr, "%s: %v\n", f.Path, f.Err)
	}
	fmt.Fprintf(env.stdout, "created %d, updated %d, unchanged %d, failed %d (%s)\n",
		rep.Created, rep.Updated, rep.Unchanged, rep.Failed, time.Since(start).Round(time.Millisecond))
	if rep.Created+rep.Updated >= rebuildAfterImport {
		n, err := a.RebuildKBIndex(ctx)
		switch {
		case errors.Is(err, kb.ErrIndexLocked):
			fmt.Fprintf(env.stdout, "search index not rebuilt (%v); a running server indexes the articles itself, or run 'frontdesk kb reindex'\n", err)
		case err != nil:
			return err
		default:
			fmt.Fprintf(env.stdout, "search index rebuilt: %d published articles\n", n)
		}
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d files failed", rep.Failed, len(files))
	}
	return nil
}

func runKBReindex(ctx context.Context, env *cmdEnv) error {
	a, err := openCommandApp(ctx, env)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	n, err := a.RebuildKBIndex(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "search index rebuilt: %d published articles in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
