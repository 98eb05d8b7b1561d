// Package browsertest drives Debian's Chromium headless through chromedp
// for the few tests that must see what a person sees: htmx swaps, focus,
// console errors. Without Chromium the test skips, or fails under
// FRONTDESK_TEST_STRICT=1.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	Ctx context.Context

	mu       sync.Mutex
	problems []string
}

// chromiumPath finds the browser: FRONTDESK_TEST_CHROMIUM, then the usual
// Debian names.
func chromiumPath() string {
	if p := os.Getenv("FRONTDESK_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts Chromium for the test and stops it at cleanup. Console errors
// and uncaught exceptions are collected; see Problems.
func New(t testing.TB) *Browser {
	t.Helper()
	// A budget for the whole browser, so a hung page fails the test instead
	// of CI; generous, because a 2-core CI machine runs Chromium slowly.
	return NewWithBudget(t, 4*time.Minute)
}

// NewWithBudget is New with a different budget for the whole browser, for
// a test that opens many pages.
func NewWithBudget(t testing.TB, budget time.Duration) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		dbtest.RequireService(t, "Chromium (/usr/bin/chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, budget)
	b := &Browser{Ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value))
				}
				b.add("console error: " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.add("exception: " + e.ExceptionDetails.Error())
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium %s: %v", path, err)
	}
	t.Cleanup(func() {
		// Close the browser gracefully and wait for it, so it is no longer
		// writing its profile when t.TempDir removes the directory.
		_ = chromedp.Cancel(ctx)
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return b
}

func (b *Browser) add(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, p)
}

// Problems returns the console errors and exceptions seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Run runs chromedp actions, failing the test with step on error.
func (b *Browser) Run(t testing.TB, step string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.Ctx, actions...); err != nil {
		t.Fatalf("%s: %v (browser problems: %v)", step, err, b.Problems())
	}
}

// A11yProblems runs a basic accessibility check on the current page: a lang
// attribute, exactly one h1, and a label (or aria-label) for every form
// control a user fills in. It returns what is wrong, empty when fine.
func (b *Browser) A11yProblems(t testing.TB) []string {
	t.Helper()
	var problems []string
	b.Run(t, "accessibility check", chromedp.Evaluate(a11yScript, &problems))
	return problems
}

const a11yScript = `(() => {
  const p = [];
  if (!document.documentElement.lang) p.push("html element has no lang attribute");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) p.push("page has " + h1 + " h1 elements, want 1");
  document.querySelectorAll("input, select, textarea").forEach(el => {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") return;
    const id = el.id;
    const labelled = (id && document.querySelector('label[for="' + CSS.escape(id) + '"]')) ||
      el.closest("label") || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) p.push("unlabelled " + el.tagName.toLowerCase() + " name=" + (el.name || "?"));
  });
  document.querySelectorAll("img").forEach(img => {
    if (!img.hasAttribute("alt")) p.push("img without alt: " + img.src);
  });
  return p;
})()`

// Screenshot saves a PNG of the page to path (for looking at by hand).
func (b *Browser) Screenshot(t testing.TB, path string) {
	t.Helper()
	var buf []byte
	b.Run(t, "screenshot", chromedp.FullScreenshot(&buf, 100))
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// String is a convenience for error messages.
func (b *Browser) String() string { return fmt.Sprintf("browser(%d problems)", len(b.Problems())) }
