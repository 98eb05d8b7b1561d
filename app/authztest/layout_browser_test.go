package authztest

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// notPages are the GET routes of the matrix that are not pages a person
// looks at, each with the reason. Keyed by route, or by "route args" for
// one line of a route whose other lines are pages. Every other GET line of
// the matrix is opened in the browser by TestEveryPageFitsTheViewport, so a
// new page cannot escape the layout check: it is either visited or listed
// here with a reason (and the test fails when a listed route is gone, or
// when a visited one answers something that is not a page).
var notPages = map[string]string{
	"GET /healthz":                 "plain-text probe",
	"GET /readyz":                  "plain-text probe",
	"GET /static/*":                "static assets",
	"GET /brand.css":               "stylesheet",
	"GET /sitemap.xml":             "XML for crawlers (people get /sitemap)",
	"GET /kb/files/:id<int>/:name": "attachment download",
	"GET /billing/invoices/:number number=billing.orgB.pdf":   "PDF invoice",
	"GET /billing/invoices/:number number=billing.draftB.pdf": "PDF invoice",
	"GET /w/:slug/theme.css":                                  "stylesheet",
	"GET /w/:slug/logo":                                       "image",
	"GET /w/:slug/files/:id<int>/v/:n<int>/raw":               "file bytes shown inline",
	"GET /w/:slug/files/:id<int>/v/:n<int>/download":          "file download",
	"GET /w/:slug/activity.csv":                               "CSV export",
	"GET /tickets/:number<int>/files/:id<int>/:name":          "attachment download",
	"GET /agent/tickets/:number<int>/files/:id<int>/:name":    "attachment download",
	"GET /admin/mail/:id<int>/raw":                            "raw message source (text/plain)",
	"GET /tickets/suggest":                                    "htmx fragment inside /tickets/new (visited there)",
	"GET /agent/tickets/:number<int>/canned/:id<int>":         "htmx fragment inside the agent ticket page (visited there)",
}

// notPage returns why the matrix line is not a page, or "".
func notPage(r rule) string {
	if why, ok := notPages[r.route+" "+r.args]; ok {
		return why
	}
	if why, ok := notPages[r.route]; ok {
		return why
	}
	if _, path, _ := strings.Cut(r.route, " "); strings.HasPrefix(path, "/api/") {
		return "JSON API"
	}
	return ""
}

// widths are the viewport widths every page must fit: a phone and a
// laptop.
var widths = []int64{390, 1280}

// visit is one page opened as one actor.
type visit struct {
	route, target, actor string
}

// TestEveryPageFitsTheViewport opens every page of the portal (every GET
// line of the authorisation matrix that answers HTML), as every actor the
// matrix lets through, in one real Chromium at 390 px and 1280 px wide, on
// the demo data plus the matrix fixtures. A page fails when the document is
// wider than the viewport, when content is clipped by a container, when a
// scroll region cannot be reached by keyboard or has no name, when a word
// in a table is broken into pieces (a squeezed column), when an admin page
// lacks the admin navigation, or when a header or footer link leads to
// something that is not a page. The failure names the page, the actor, the
// width and the elements at fault.
func TestEveryPageFitsTheViewport(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t, dbtest.SQLite(t))
	if err := a.SeedDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	w := NewWorld(t, a)
	// Long values a table must cope with.
	w.CreateUser(t, "maximilian.featherstonehaugh-worthington@accounts-payable.subsidiary.example", identity.RoleCustomer, "org-a")

	// FRONTDESK_TEST_LAYOUT_ONLY (a regexp of routes) narrows the run while
	// fixing a page.
	var only *regexp.Regexp
	if re := os.Getenv("FRONTDESK_TEST_LAYOUT_ONLY"); re != "" {
		only = regexp.MustCompile(re)
	}
	// Which pages, as whom.
	var visits []visit
	listed := map[string]bool{}
	for _, r := range matrix {
		method, path, _ := strings.Cut(r.route, " ")
		if method != http.MethodGet {
			continue
		}
		if only != nil && !only.MatchString(r.route) {
			continue
		}
		if notPage(r) != "" {
			listed[r.route] = true
			listed[r.route+" "+r.args] = true
			continue
		}
		actors := 0
		for _, actor := range ActorNames {
			if r.allow&actorBits[actor] == 0 {
				continue
			}
			target, err := fillPath(t, path, r.args, w)
			if err != nil {
				t.Fatalf("%s: %v", r.route, err)
			}
			visits = append(visits, visit{r.route, target, actor})
			actors++
		}
		if actors == 0 {
			// A line nobody may open: its "not found" page is what
			// everyone sees, so look at that once.
			target, err := fillPath(t, path, r.args, w)
			if err != nil {
				t.Fatalf("%s: %v", r.route, err)
			}
			visits = append(visits, visit{r.route, target, Anonymous})
		}
	}
	for key := range notPages {
		if !listed[key] && only == nil {
			t.Errorf("notPages lists %q, which is no GET line of the matrix (remove it)", key)
		}
	}
	sort.SliceStable(visits, func(i, j int) bool { return actorIndex(visits[i].actor) < actorIndex(visits[j].actor) })

	base := apptest.Serve(t, a)
	b := browsertest.NewWithBudget(t, 8*time.Minute)
	start := time.Now()
	var cur string
	var client *apptest.Client
	navLinks := map[string]string{} // href → actor who saw it
	pages := 0
	for _, v := range visits {
		if v.actor != cur {
			cur = v.actor
			client = apptest.NewClient(t, a)
			var secret string
			if u := w.Actors[v.actor].User; u != nil {
				s, _, err := w.Accounts.CreateSession(ctx, u, false, "layout", "127.0.0.1")
				if err != nil {
					t.Fatal(err)
				}
				secret = s
				client.SetCookie(accounts.SessionCookie, secret)
			}
			b.Run(t, "switch to "+v.actor, chromedp.ActionFunc(func(ctx context.Context) error {
				if err := network.ClearBrowserCookies().Do(ctx); err != nil {
					return err
				}
				if secret == "" {
					return nil
				}
				return network.SetCookie(accounts.SessionCookie, secret).WithURL(base + "/").Do(ctx)
			}))
		}
		where := fmt.Sprintf("%s (%s) as %s", v.route, v.target, v.actor)
		// Ask over HTTP first: only HTML pages go to the browser.
		if problem := pageProblem(t, client, v.target); problem != "" {
			t.Errorf("%s: %s; list the route in notPages with a reason if it is not a page", where, problem)
			continue
		}
		var finalURL string
		b.Run(t, "open "+where,
			emulation.SetDeviceMetricsOverride(widths[len(widths)-1], 900, 1, false),
			chromedp.Navigate(base+v.target),
			chromedp.Location(&finalURL),
		)
		pages++
		for i := len(widths) - 1; i >= 0; i-- {
			width := widths[i]
			var m layoutReport
			b.Run(t, fmt.Sprintf("measure %s at %d px", where, width),
				emulation.SetDeviceMetricsOverride(width, 900, 1, false),
				chromedp.Evaluate(layoutScript, &m),
			)
			for _, p := range m.problems(width) {
				t.Errorf("%s at %d px: %s", where, width, p)
			}
			if i == len(widths)-1 {
				for _, href := range m.NavLinks {
					if _, ok := navLinks[href]; !ok {
						navLinks[href] = v.actor
					}
				}
				u, _ := url.Parse(finalURL)
				if u != nil && strings.HasPrefix(u.Path, "/admin") && !m.AdminNav {
					t.Errorf("%s: admin page %s has no admin navigation (views/admin/_nav.html)", where, u.Path)
				}
			}
		}
		if os.Getenv("FRONTDESK_TEST_SCREENSHOTS") != "" {
			name := strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(v.actor + v.target)
			b.Screenshot(t, os.Getenv("FRONTDESK_TEST_SCREENSHOTS")+"/"+name+".png")
		}
	}
	t.Logf("opened %d pages (%d visits) at %v px in %v", pages, len(visits), widths, time.Since(start).Round(time.Second))

	// The header and footer links lead to pages (not raw XML, JSON, ...).
	hrefs := make([]string, 0, len(navLinks))
	for h := range navLinks {
		hrefs = append(hrefs, h)
	}
	sort.Strings(hrefs)
	for _, href := range hrefs {
		actor := navLinks[href]
		c := w.Client(t, actor)
		if problem := pageProblem(t, c, href); problem != "" {
			t.Errorf("the header/footer link %s (seen as %s): %s", href, actor, problem)
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
}

func actorIndex(name string) int {
	for i, n := range ActorNames {
		if n == name {
			return i
		}
	}
	return len(ActorNames)
}

// pageProblem fetches target (following redirects) and says why it is not
// a whole HTML page, or "".
func pageProblem(t *testing.T, c *apptest.Client, target string) string {
	t.Helper()
	for hop := 0; hop < 5; hop++ {
		resp := c.Get(target)
		body := apptest.Body(t, resp)
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			loc := resp.Header.Get("Location")
			if loc == "" || strings.Contains(loc, "://") {
				return fmt.Sprintf("redirects to %q", loc)
			}
			target = loc
			continue
		}
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if ct != "text/html" {
			return fmt.Sprintf("answers %d %s, not a page", resp.StatusCode, ct)
		}
		if !strings.Contains(body, "<html") {
			return fmt.Sprintf("answers %d with an HTML fragment, not a page", resp.StatusCode)
		}
		return ""
	}
	return "redirects too often"
}

// layoutReport is what layoutScript measures on the current page.
type layoutReport struct {
	ScrollWidth int64    `json:"scrollWidth"`
	InnerWidth  int64    `json:"innerWidth"`
	Wide        []string `json:"wide"`
	Clipped     []string `json:"clipped"`
	Sticking    []string `json:"sticking"`
	Regions     []string `json:"regions"`
	Broken      []string `json:"broken"`
	NavLinks    []string `json:"navLinks"`
	AdminNav    bool     `json:"adminNav"`
}

func (m layoutReport) problems(width int64) []string {
	var out []string
	if m.InnerWidth != width {
		out = append(out, fmt.Sprintf("viewport is %d px, want %d", m.InnerWidth, width))
	}
	if m.ScrollWidth > m.InnerWidth {
		out = append(out, fmt.Sprintf("document is %d px wide in a %d px viewport; too wide: %s",
			m.ScrollWidth, m.InnerWidth, strings.Join(m.Wide, "; ")))
	}
	if len(m.Clipped) > 0 {
		out = append(out, "content clipped by its container: "+strings.Join(m.Clipped, "; "))
	}
	if len(m.Sticking) > 0 {
		out = append(out, "table wider than its box: "+strings.Join(m.Sticking, "; "))
	}
	if len(m.Regions) > 0 {
		out = append(out, "scroll region not reachable by keyboard or unnamed (give it tabindex=0 and an aria-label): "+strings.Join(m.Regions, "; "))
	}
	if len(m.Broken) > 0 {
		out = append(out, "words in a squeezed table column broken into pieces: "+strings.Join(m.Broken, "; "))
	}
	return out
}

// layoutScript measures the page. Elements are named by a short CSS path.
const layoutScript = `(() => {
  const vw = window.innerWidth;
  const name = el => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(s + "#" + e.id); break; }
      if (e.classList.length) s += "." + [...e.classList].slice(0, 2).join(".");
      parts.unshift(s);
    }
    return parts.join(" > ");
  };
  const visible = el => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const all = [...document.body.querySelectorAll("*")];
  // Scroll containers that may hold wide content (they are checked apart).
  const scrollers = all.filter(el => {
    const o = getComputedStyle(el).overflowX;
    return o === "auto" || o === "scroll";
  });
  // Wide content inside a scroll region that itself fits is fine.
  const inScroller = el => scrollers.some(s => s !== el && s.contains(el) && s.getBoundingClientRect().right <= vw + 0.5);
  // The innermost elements reaching past the viewport's right edge.
  // (Visually hidden text counts: absolutely placed, it widens the page.)
  const past = el => el.getClientRects().length > 0 && !inScroller(el) && el.getBoundingClientRect().right > vw + 0.5;
  const wide = [];
  for (const el of all) {
    if (wide.length >= 5) break;
    if (!past(el) || [...el.children].some(past)) continue;
    wide.push(name(el) + " (right edge " + Math.round(el.getBoundingClientRect().right + window.scrollX) + " px)");
  }
  const clipped = [], regions = [], sticking = [];
  for (const el of all) {
    if (!visible(el)) continue;
    const cs = getComputedStyle(el);
    // A table reaching past the box it sits in (a card, a column) looks
    // cut off even when the page as a whole fits.
    if (el.tagName === "TABLE" && sticking.length < 5 && !inScroller(el)) {
      const box = el.parentElement, pr = box.getBoundingClientRect(), ps = getComputedStyle(box);
      const inner = pr.right - parseFloat(ps.borderRightWidth) - parseFloat(ps.paddingRight);
      if (el.getBoundingClientRect().right > inner + 1) {
        sticking.push(name(el) + " (reaches " + Math.round(el.getBoundingClientRect().right - inner) + " px past " + name(box) + ")");
      }
    }
    if (/^(INPUT|TEXTAREA|SELECT|BUTTON|IMG|VIDEO|CANVAS|IFRAME|svg)$/.test(el.tagName)) continue;
    const over = el.scrollWidth > el.clientWidth + 1;
    if (!over) continue;
    if ((cs.overflowX === "hidden" || cs.overflowX === "clip") && cs.textOverflow !== "ellipsis" && clipped.length < 5) {
      clipped.push(name(el) + " (" + el.scrollWidth + " px of content in " + el.clientWidth + " px)");
    }
    if ((cs.overflowX === "auto" || cs.overflowX === "scroll") && regions.length < 5 && el !== document.documentElement && el !== document.body) {
      const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
      if (el.tabIndex < 0 || !named) regions.push(name(el));
    }
  }
  // A word in a table cell broken into pieces of fewer than five
  // characters a line on average: the column was squeezed (an email
  // address shown letter by letter).
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement && n.parentElement.closest("td, th") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT,
  });
  const range = document.createRange();
  for (let n = walker.nextNode(); n && broken.length < 5; n = walker.nextNode()) {
    const re = /\S{6,}/g;
    let m;
    while ((m = re.exec(n.data)) && broken.length < 5) {
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size >= 2 && m[0].length / lines.size < 5) broken.push(JSON.stringify(m[0]) + " over " + lines.size + " lines in " + name(n.parentElement));
    }
  }
  const navLinks = [...document.querySelectorAll(".site-header a[href], .site-footer a[href]")]
    .map(a => a.getAttribute("href")).filter(h => h.startsWith("/") && !h.startsWith("//"));
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
    wide, clipped, sticking, regions, broken, navLinks,
    adminNav: !!document.querySelector("nav.admin-nav"),
  };
})()`
