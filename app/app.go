// Package app is the composition root: it reads the configuration, opens
// the database, builds the Fiber app with its middleware, wires every domain
// package's handlers and workers, and runs them until told to stop.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/billing"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/settings"
	"github.com/frontdesk/frontdesk/static"
	"github.com/frontdesk/frontdesk/tickets"
	"github.com/frontdesk/frontdesk/views"
	"github.com/frontdesk/frontdesk/workspaces"
)

// Worker is a background loop (mail fetcher, outbox sender, index follower).
// Run returns when ctx is cancelled; an error return makes the app log it
// and start the worker again after a backoff.
type Worker interface {
	Run(ctx context.Context) error
}

// ReadyCheck reports whether one dependency is ready to serve traffic.
type ReadyCheck func(ctx context.Context) error

// DemoSeeder fills an empty database with one domain's demo data and
// returns lines to print (logins, hints). When seeded is true the demo was
// seeded by an earlier run: the seeder adds nothing and only returns its
// lines again.
type DemoSeeder func(ctx context.Context, seeded bool) ([]string, error)

// App is one running Frontdesk node.
type App struct {
	Config   Config
	Log      *slog.Logger
	DB       *bun.DB
	Fiber    *fiber.App
	Metrics  *Metrics
	Settings *settings.Store
	Assets   *static.Assets
	// The domain services, for one-shot commands (cmd) and tests; handlers
	// reach them through their own Deps, never through App.
	Accounts *accounts.Service
	KB       *kb.Service
	Billing  *billing.Service

	// Files is the file store every domain keeps its bytes in.
	Files *files.Store
	// Mail is the outbox every domain queues email into (set by wireMail).
	Mail *mail.Outbox
	// Tickets is the ticket service (set by wireTickets; the email
	// channel's ingestion delivers into it).
	Tickets *tickets.Service
	// TicketBilling fills the agent ticket sidebar's billing slot; set it
	// before wireTickets runs (nil renders nothing).
	TicketBilling tickets.BillingSummary
	// Workspaces is the client workspaces service (set by wireWorkspaces).
	Workspaces *workspaces.Service

	workers []namedWorker
	ready   []namedCheck
	demo    []DemoSeeder
	closers []func() error
	drain   *drainer
}

type namedWorker struct {
	name string
	w    Worker
}

type namedCheck struct {
	name string
	fn   ReadyCheck
}

// New builds an App from a normalised Config: it checks the data directory,
// opens the database, applies pending migrations and wires every route.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := ensureWritableDir(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", cfg.DataDir, err)
	}
	dbu, err := ParseDBURL(cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	db, err := database.Open(ctx, dbu.Dialect, dbu.DSN)
	if err != nil {
		return nil, fmt.Errorf("--db %s: %w", redact(cfg.DB), err)
	}
	applied, err := database.Migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("migration applied", "name", name)
	}
	a := &App{
		Config:   cfg,
		Log:      log,
		DB:       db,
		Metrics:  newMetrics(),
		Settings: settings.New(db, 10*time.Second),
	}
	if a.Files, err = files.New(cfg.FilesDir, filepath.Join(cfg.DataDir, "tmp")); err != nil {
		db.Close()
		return nil, fmt.Errorf("--files-dir: %w", err)
	}
	if a.Assets, err = static.New(); err != nil {
		db.Close()
		return nil, err
	}
	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	engine.AddFuncMap(templateFuncs(a.Assets))
	a.Fiber = fiber.New(fiber.Config{
		Views:                 engine,
		ErrorHandler:          a.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           90 * time.Second,
		BodyLimit:             bodyLimit(cfg),
		AppName:               "frontdesk",
		// Handlers keep strings from the request (form values, params) in
		// structs and goroutines; fasthttp would reuse their memory.
		Immutable: true,
		// /API/v1 is not /api/v1: one spelling per route, so a path's
		// case cannot pick a different middleware chain.
		CaseSensitive: true,
		// Bodies are streamed so a workspace upload of hundreds of MB goes
		// to the file store without being held in memory; fasthttp then
		// hands over (instead of refusing) a body over BodyLimit, so
		// limitBody (middleware.go) enforces the limit for every other
		// route. Multipart forms are parsed only when a handler asks.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// Behind a load balancer c.IP() must be the client's address (rate
		// limits key on it), but only a trusted proxy may say so.
		EnableTrustedProxyCheck: len(cfg.Proxies()) > 0,
		TrustedProxies:          cfg.Proxies(),
		ProxyHeader:             proxyHeader(cfg),
	})
	a.drain = newDrainer(a.Fiber.Server())
	if err := engine.Load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("load templates: %w", err)
	}
	if err := a.routes(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// AddWorker registers a background loop started by Serve.
func (a *App) AddWorker(name string, w Worker) { a.workers = append(a.workers, namedWorker{name, w}) }

// AddReadyCheck registers a dependency /readyz must see healthy.
func (a *App) AddReadyCheck(name string, fn ReadyCheck) {
	a.ready = append(a.ready, namedCheck{name, fn})
}

// AddDemoSeeder registers a domain's demo data, seeded in registration order.
func (a *App) AddDemoSeeder(fn DemoSeeder) { a.demo = append(a.demo, fn) }

// AddCloser registers something to close after the workers stopped and
// before the database closes (a search index, say).
func (a *App) AddCloser(fn func() error) { a.closers = append(a.closers, fn) }

// Listen opens the listening socket, so a port in use is reported before
// anything else starts.
func (a *App) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("--addr %s: %w", a.Config.Addr, unwrapSyscall(err))
	}
	return ln, nil
}

// Serve runs HTTP on ln and every worker until ctx is cancelled, then shuts
// down in order: stop accepting and finish in-flight requests, stop the
// workers, and return. Each step is bounded so a stuck client or worker
// cannot hold the process.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	workerCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	var wg sync.WaitGroup
	for _, nw := range a.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.runWorker(workerCtx, nw)
		}()
	}

	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			stopWorkers()
			wg.Wait()
			return fmt.Errorf("--metrics-addr %s: %w", a.Config.MetricsAddr, unwrapSyscall(err))
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", a.Metrics.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
	}

	dl := &drainListener{Listener: ln, done: make(chan struct{})}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.Fiber.Listener(dl) }()

	var err error
	select {
	case <-ctx.Done():
		// Drain (drain.go): stop accepting, answer what comes in on open
		// connections with "Connection: close", close connections that
		// stay idle, then let fasthttp wait for the rest, all within the
		// shutdown timeout.
		a.Log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		dl.stop()
		select {
		case <-dl.accepted():
		case e := <-serveErr: // the server stopped by itself
			serveErr <- e
		case <-sctx.Done():
		}
		idle := a.drain.drain(sctx, drainIdleGrace)
		if serr := a.Fiber.ShutdownWithContext(sctx); serr != nil {
			a.Log.Warn("http shutdown", "err", serr)
		}
		cancel()
		a.Log.Info("connections drained", "closed_idle", idle)
		<-serveErr
	case err = <-serveErr:
		if err != nil {
			err = fmt.Errorf("http server: %w", err)
		}
	}

	stopWorkers()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		a.Log.Warn("workers did not stop within 10s")
	}
	return err
}

// shutdownTimeout bounds how long Serve waits for requests in flight
// once its context ends.
const shutdownTimeout = 20 * time.Second

func (a *App) runWorker(ctx context.Context, nw namedWorker) {
	backoff := time.Second
	for {
		start := time.Now()
		err := nw.w.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			backoff = time.Second
		}
		a.Log.Error("worker stopped; restarting", "worker", nw.name, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Minute)
	}
}

// Close releases what New opened. Call it after Serve returned.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	return errors.Join(errs...)
}

// SeedDemo fills an empty database with demo data once; later runs only
// print the logins again. It writes what a newcomer needs to know to w.
func (a *App) SeedDemo(ctx context.Context, w io.Writer) error {
	seeded := a.Settings.Get(ctx, "demo.seeded", "") != ""
	var lines []string
	for _, seed := range a.demo {
		out, err := seed(ctx, seeded)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		lines = append(lines, out...)
	}
	if !seeded {
		if err := a.Settings.Set(ctx, map[string]string{"demo.seeded": time.Now().UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return nil
}

func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return unwrapSyscall(err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("not writable: %w", unwrapSyscall(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(filepath.Clean(name))
}

func unwrapSyscall(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func proxyHeader(cfg Config) string {
	if len(cfg.Proxies()) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// bodyLimit is the largest request body: room for several attachments at
// the configured per-file limit (the tickets domain refuses a file over
// the limit itself, naming it, with the rest of the form kept).
func bodyLimit(cfg Config) int {
	return int(max(26<<20, 4*cfg.AttachmentMaxBytes+1<<20))
}
