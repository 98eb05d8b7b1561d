package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/kb/search"
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

// openKBDB opens and migrates the database without building the whole app,
// so kb commands run beside a serving node (they never touch its index).
func openKBDB(ctx context.Context, env *cmdEnv) (*bun.DB, error) {
	dbu, err := app.ParseDBURL(env.cfg.DB)
	if err != nil {
		return nil, err
	}
	db, err := database.Open(ctx, dbu.Dialect, dbu.DSN)
	if err != nil {
		return nil, err
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runKBImport(ctx context.Context, env *cmdEnv, category string) error {
	if len(env.args) == 0 {
		return usageError{"kb import: give at least one Markdown file or folder"}
	}
	db, err := openKBDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := kb.NewService(kb.Deps{DB: db, Log: env.log, BaseURL: env.cfg.BaseURL})
	files := kb.CollectFiles(env.args)
	start := time.Now()
	rep, err := svc.Import(ctx, files, kb.ImportOptions{Category: category})
	if err != nil {
		return err
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(env.stderr, "%s: %v\n", f.Path, f.Err)
	}
	fmt.Fprintf(env.stdout, "created %d, updated %d, unchanged %d, failed %d (%s)\n",
		rep.Created, rep.Updated, rep.Unchanged, rep.Failed, time.Since(start).Round(time.Millisecond))
	if rep.Created+rep.Updated >= rebuildAfterImport {
		ix, err := openIndexQuick(env)
		if err != nil {
			fmt.Fprintf(env.stdout, "search index not rebuilt (%v); a running server indexes the articles itself, or run 'frontdesk kb reindex'\n", err)
		} else {
			defer ix.Close()
			n, err := rebuildIndex(ctx, db, ix)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "search index rebuilt: %d published articles\n", n)
		}
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d files failed", rep.Failed, len(files))
	}
	return nil
}

func runKBReindex(ctx context.Context, env *cmdEnv) error {
	db, err := openKBDB(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	ix, err := openIndexQuick(env)
	if err != nil {
		return err
	}
	defer ix.Close()
	start := time.Now()
	n, err := rebuildIndex(ctx, db, ix)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "search index rebuilt: %d published articles in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// openIndexQuick opens <data-dir>/kb-index, failing with a clear message
// when a running serve holds it.
func openIndexQuick(env *cmdEnv) (*search.Index, error) {
	return kb.OpenIndex(filepath.Join(env.cfg.DataDir, "kb-index"), env.log, 5*time.Second)
}

func rebuildIndex(ctx context.Context, db *bun.DB, ix *search.Index) (int, error) {
	src := kb.NewSource(db)
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
