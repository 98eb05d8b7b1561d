package kb

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Cookies the help center sets.
const (
	voterCookie  = "fd_voter" // random id of an anonymous voter (hashed before storage)
	searchCookie = "fd_sq"    // id of the visitor's last logged search (as-you-type refinement)
	pageSize     = 10
	tocMinimum   = 3 // headings before an article gets a table of contents

	categoryPageSize = 50 // a category's own articles per page
	sectionPreview   = 10 // articles shown per section on its category's page
)

// Portal serves the public help center: home, search, categories,
// articles, feedback, the sitemap and the public search API.
type Portal struct {
	svc      *Service
	secure   bool
	rendered renderedSearches // as-you-type result lists (portal_searchcache.go)
	// busy queues the uncached search requests, first come first served,
	// so that their search and rendering run at most one per core
	// (search.Gate).
	busy search.Gate
}

// NewPortal builds the public handlers; secure marks cookies Secure
// (HTTPS deployments).
func NewPortal(svc *Service, secure bool) *Portal {
	return &Portal{svc: svc, secure: secure, busy: search.NewGate()}
}

// Mount registers the public routes.
func (p *Portal) Mount(r fiber.Router) {
	r.Get("/", p.showHome)
	r.Get("/kb", p.showHome)
	r.Get("/kb/search", p.showSearch)
	r.Get("/kb/c/:slug", p.showCategory)
	r.Get("/kb/a/:slug", p.showArticle)
	r.Post("/kb/a/:slug/feedback", p.submitFeedback)
	r.Get("/sitemap.xml", p.showSitemap)
	r.Get("/api/v1/kb/search", p.apiSearch)
}

func (p *Portal) abs(path string) string { return p.svc.baseURL + path }

// userID is the current user's id, nil for anonymous visitors.
func userID(c *fiber.Ctx) *int64 {
	if id := identity.Current(c); id != nil && id.UserID != 0 {
		v := id.UserID
		return &v
	}
	return nil
}

func (p *Portal) showHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cats, err := p.svc.CategoryTree(ctx)
	if err != nil {
		return err
	}
	popular, err := p.svc.Popular(ctx, 6)
	if err != nil {
		return err
	}
	recent, err := p.svc.RecentlyUpdated(ctx, 6)
	if err != nil {
		return err
	}
	title, canonical := "", p.abs("/")
	if c.Path() == "/kb" {
		title, canonical = "Help center", p.abs("/kb")
	}
	return web.Render(c, "kb/home", "", fiber.Map{
		"Title":       title,
		"Description": "Search our help center or browse by topic: answers about billing, your account, tickets and more.",
		"Canonical":   canonical,
		"Categories":  cats,
		"Popular":     popular,
		"Recent":      recent,
	})
}

// searchPage is what the search page and its results partial show.
type searchPage struct {
	Query    string
	Category string
	// CategoryName is the name of the category the search is limited to
	// ("" for all); EverywhereURL is the same search in every category.
	CategoryName  string
	EverywhereURL string
	Categories    []CategoryCount
	Page          int
	Pages         int
	Total         int
	TookMS        float64
	Hits          []SearchHit
	Corrected     string
	SearchID      int64
	PrevURL       string
	NextURL       string
	AllURL        string
	Partial       bool
}

// HitList renders the result items (li.kb-hit) for kb/_results. They are
// written here rather than in the template: html/template calls its
// escapers by reflection, five times per item, and for the ten items of
// an uncached as-you-type search that was a tenth of the request's CPU
// and a quarter of its garbage (pprof under bench/kb-search.sh). The text
// is escaped with html/template's own function; snippets come escaped
// from the index.
func (sp searchPage) HitList() template.HTML {
	var b strings.Builder
	for _, h := range sp.Hits {
		b.WriteString("<li class=\"kb-hit\">\n      <a class=\"kb-hit-title\" href=\"/kb/a/")
		b.WriteString(template.HTMLEscapeString(url.PathEscape(h.Slug)))
		if sp.SearchID != 0 {
			b.WriteString(sidParam)
			b.WriteString(strconv.FormatInt(sp.SearchID, 10))
		}
		b.WriteString("\">")
		b.WriteString(template.HTMLEscapeString(h.Title))
		b.WriteString("</a>\n")
		if h.Snippet != "" {
			b.WriteString("      <p class=\"kb-snippet\">")
			b.WriteString(string(h.Snippet))
			b.WriteString("</p>\n")
		}
		b.WriteString("    </li>\n    ")
	}
	return template.HTML(b.String())
}

func (p *Portal) showSearch(c *fiber.Ctx) error {
	ctx := c.UserContext()
	arrived := time.Now() // the change-log head read for this request begins after it
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 300 {
		q = q[:300]
	}
	category := c.Query("category")
	page, _ := strconv.Atoi(c.Query("page"))
	if page < 1 {
		page = 1
	}
	if page > 100 {
		page = 100
	}
	sp := searchPage{Query: q, Category: category, Page: page, Partial: web.IsHTMX(c)}
	if category != "" {
		cat, err := p.svc.CategoryBySlug(ctx, category)
		switch {
		case errors.Is(err, ErrNotFound):
			sp.Category, category = "", "" // an unknown topic searches everything
		case err != nil:
			return err
		default:
			sp.CategoryName = cat.Name
			sp.EverywhereURL = "/kb/search?" + url.Values{"q": {q}}.Encode()
		}
	}
	// The as-you-type list may come from the rendered cache.
	var stamp searchStamp
	cacheable := false
	key := renderedKey{q: q, category: category, categoryName: sp.CategoryName, page: page}
	if q != "" && sp.Partial {
		var err error
		if stamp, cacheable, err = p.svc.resultStamp(ctx, arrived); err != nil {
			return err
		}
		if cacheable && p.writeRendered(c, stamp, key) {
			return nil
		}
	}
	if q != "" {
		if err := p.busy.Enter(ctx); err != nil {
			return err
		}
		defer p.busy.Leave()
		res, err := p.svc.Search(ctx, SearchRequest{Text: q, CategorySlug: category, Limit: pageSize, Offset: (page - 1) * pageSize, Arrived: arrived})
		if err != nil {
			return err
		}
		sp.Hits, sp.Total, sp.Corrected = res.Hits, res.Total, res.Corrected
		sp.TookMS = float64(res.Took.Microseconds()) / 1000
		sp.Pages = (res.Total + pageSize - 1) / pageSize
		sp.SearchID = p.logSearch(c, q, res.Total)
		link := func(pg int) string {
			v := url.Values{"q": {q}}
			if category != "" {
				v.Set("category", category)
			}
			if pg > 1 {
				v.Set("page", strconv.Itoa(pg))
			}
			return "/kb/search?" + v.Encode()
		}
		if page > 1 {
			sp.PrevURL = link(page - 1)
		}
		if page < sp.Pages {
			sp.NextURL = link(page + 1)
		}
		sp.AllURL = link(1)
	}
	if cacheable {
		return p.renderForCache(c, stamp, key, sp)
	}
	return p.renderSearch(c, sp)
}

// renderSearch renders the search page, or its result list for htmx.
func (p *Portal) renderSearch(c *fiber.Ctx, sp searchPage) error {
	ctx := c.UserContext()
	q := sp.Query
	data := fiber.Map{"Search": sp}
	if !web.IsHTMX(c) {
		cats, err := p.svc.CategoryTree(ctx)
		if err != nil {
			return err
		}
		sp.Categories = cats
		data["Search"] = sp
		data["Title"] = "Search the help center"
		if q != "" {
			data["Title"] = fmt.Sprintf("Search results for “%s”", q)
		}
		data["Description"] = "Search the help center."
		data["Canonical"] = p.abs("/kb/search")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "kb/search", "kb/_results", data)
}

// logSearch records the search once per "search session": while the
// visitor keeps typing (the new query extends or shortens the last one,
// within a minute) the same row is refined instead of a new row per
// debounced keystroke. Logging never fails the search.
func (p *Portal) logSearch(c *fiber.Ctx, q string, results int) int64 {
	ctx := c.UserContext()
	prev, _ := strconv.ParseInt(c.Cookies(searchCookie), 10, 64)
	var id int64
	if p.svc.slog != nil {
		id = p.svc.slog.Log(q, results, userID(c), prev)
	} else {
		if prev > 0 {
			if ok, err := p.svc.RefineSearch(ctx, prev, q, results); err == nil && ok {
				return prev
			}
		}
		var err error
		if id, err = p.svc.LogSearch(ctx, q, results, userID(c)); err != nil {
			p.svc.log.Warn("log search", "err", err)
			return 0
		}
	}
	if id != prev {
		c.Cookie(&fiber.Cookie{Name: searchCookie, Value: strconv.FormatInt(id, 10), Path: "/", HTTPOnly: true,
			Secure: p.secure, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 600})
	}
	return id
}

func (p *Portal) showCategory(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cat, err := p.svc.CategoryBySlug(ctx, c.Params("slug"))
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	tree, err := p.svc.CategoryTree(ctx)
	if err != nil {
		return err
	}
	var parent *Category
	if cat.ParentID != nil {
		if parent, err = p.svc.Category(ctx, *cat.ParentID); err != nil {
			return err
		}
	}
	// A category lists its own articles a page at a time and the first
	// few of each section, so the page costs the same at 50 articles as
	// at 50,000.
	page, _ := strconv.Atoi(c.Query("page"))
	page = min(max(page, 1), 1000)
	articles, total, err := p.svc.PublishedPage(ctx, cat.ID, categoryPageSize, (page-1)*categoryPageSize)
	if err != nil {
		return err
	}
	pages := (total + categoryPageSize - 1) / categoryPageSize
	pageURL := func(n int) string {
		if n <= 1 {
			return "/kb/c/" + cat.Slug
		}
		return "/kb/c/" + cat.Slug + "?page=" + strconv.Itoa(n)
	}
	var prevURL, nextURL string
	if page > 1 {
		prevURL = pageURL(page - 1)
	}
	if page < pages {
		nextURL = pageURL(page + 1)
	}
	type section struct {
		Category CategoryCount
		Articles []Article
		More     int // articles not listed here
	}
	var sections []section
	for _, top := range tree {
		if top.ID != cat.ID {
			continue
		}
		for _, sc := range top.Sections {
			arts, err := p.svc.PublishedIn(ctx, sc.ID, sectionPreview)
			if err != nil {
				return err
			}
			sections = append(sections, section{Category: sc, Articles: arts, More: max(sc.Articles-len(arts), 0)})
		}
	}
	desc := cat.Description
	if desc == "" {
		desc = "Help center articles about " + cat.Name + "."
	}
	return web.Render(c, "kb/category", "", fiber.Map{
		"Title":       cat.Name,
		"Description": desc,
		"Canonical":   p.abs("/kb/c/" + cat.Slug),
		"Category":    cat,
		"Parent":      parent,
		"Articles":    articles,
		"Page":        page,
		"Pages":       pages,
		"PrevURL":     prevURL,
		"NextURL":     nextURL,
		"Sections":    sections,
		"Categories":  tree,
	})
}

// viewable loads an article the current visitor may see (published, or
// any status for staff previewing), else 404.
func (p *Portal) viewable(c *fiber.Ctx) (*Article, error) {
	a, err := p.svc.ArticleBySlug(c.UserContext(), c.Params("slug"))
	if errors.Is(err, ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !policy.Can(identity.Current(c), policy.ViewArticle, policy.Article{Published: a.Status == StatusPublished}) {
		return nil, fiber.ErrNotFound
	}
	return a, nil
}

func (p *Portal) showArticle(c *fiber.Ctx) error {
	ctx := c.UserContext()
	a, err := p.viewable(c)
	if err != nil {
		return err
	}
	published := a.Status == StatusPublished
	if published {
		if sid, err := strconv.ParseInt(c.Query("s"), 10, 64); err == nil && sid > 0 {
			if p.svc.slog != nil {
				p.svc.slog.Click(sid, a.ID)
			} else if err := p.svc.RecordClick(ctx, sid, a.ID); err != nil {
				p.svc.log.Warn("record search click", "err", err)
			}
		}
		if err := p.svc.RecordView(ctx, a.ID); err != nil {
			p.svc.log.Warn("record view", "err", err)
		}
	}
	body, toc, err := p.svc.Rendered(ctx, a)
	if err != nil {
		return err
	}
	if len(toc) < tocMinimum {
		toc = nil
	}
	related, err := p.related(c, a)
	if err != nil {
		return err
	}
	var parent *Category
	if a.Category != nil && a.Category.ParentID != nil {
		if parent, err = p.svc.Category(ctx, *a.Category.ParentID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	desc := a.Summary
	if desc == "" {
		desc = truncate(PlainText(a.Body), 160)
	}
	updated := a.UpdatedAt
	return web.Render(c, "kb/article", "", fiber.Map{
		"Title":       a.Title,
		"Description": desc,
		"Canonical":   p.abs("/kb/a/" + a.Slug),
		"Article":     a,
		"Parent":      parent,
		"Body":        body,
		"TOC":         toc,
		"Related":     related,
		"Updated":     updated,
		"Preview":     !published,
		"Feedback":    feedbackView{Slug: a.Slug},
	})
}

// related lists up to 5 published articles: same category or tags first,
// then a search by the title.
func (p *Portal) related(c *fiber.Ctx, a *Article) ([]Article, error) {
	ctx := c.UserContext()
	out, err := p.svc.RelatedByTaxonomy(ctx, a, 5)
	if err != nil {
		return nil, err
	}
	if len(out) >= 3 {
		return out, nil
	}
	res, err := p.svc.Search(ctx, SearchRequest{Text: a.Title, Limit: 8})
	if err != nil {
		p.svc.log.Warn("related search", "err", err)
		return out, nil
	}
	seen := map[int64]bool{a.ID: true}
	for _, r := range out {
		seen[r.ID] = true
	}
	for _, h := range res.Hits {
		if len(out) >= 5 {
			break
		}
		if !seen[h.ID] {
			seen[h.ID] = true
			out = append(out, Article{ID: h.ID, Slug: h.Slug, Title: h.Title})
		}
	}
	return out, nil
}

// feedbackView is what the "Was this helpful?" partial shows.
type feedbackView struct {
	Slug    string
	Voted   bool
	Helpful bool
	Limited bool // the vote was not counted: too many from this address
	Comment string
	Error   string
}

func (p *Portal) submitFeedback(c *fiber.Ctx) error {
	ctx := c.UserContext()
	a, err := p.viewable(c)
	if err != nil {
		return err
	}
	fv := feedbackView{Slug: a.Slug}
	var helpful bool
	switch c.FormValue("helpful") {
	case "yes":
		helpful = true
	case "no":
		helpful = false
	default:
		fv.Error = "Choose Yes or No."
		fv.Comment = c.FormValue("comment")
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "kb/feedback", "kb/_feedback", fiber.Map{
			"Title": "Feedback", "Article": a, "Feedback": fv})
	}
	uid := userID(c)
	anon := ""
	if uid == nil {
		anon = c.Cookies(voterCookie)
		if len(anon) < 16 {
			b := make([]byte, 16)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			anon = hex.EncodeToString(b)
			c.Cookie(&fiber.Cookie{Name: voterCookie, Value: anon, Path: "/", HTTPOnly: true, Secure: p.secure,
				SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60 * 60 * 24 * 365})
		}
	}
	comment := c.FormValue("comment")
	if uid == nil {
		_, err = p.svc.VoteAnonymous(ctx, a.ID, VoterKey(nil, anon), ClientKey(c.IP()), helpful, comment)
	} else {
		_, err = p.svc.Vote(ctx, a.ID, VoterKey(uid, anon), uid, helpful, comment)
	}
	if errors.Is(err, ErrVoteLimit) {
		fv.Limited = true
		return web.RenderStatus(c, fiber.StatusTooManyRequests, "kb/feedback", "kb/_feedback", fiber.Map{
			"Title": "Feedback", "Article": a, "Feedback": fv})
	}
	if err != nil {
		return err
	}
	fv.Voted, fv.Helpful = true, helpful
	if !web.IsHTMX(c) {
		web.SetFlash(c, "success", "Thanks for your feedback!")
		return web.Redirect(c, "/kb/a/"+a.Slug+"#feedback")
	}
	return web.Render(c, "kb/feedback", "kb/_feedback", fiber.Map{"Title": "Feedback", "Article": a, "Feedback": fv})
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapDoc struct {
	XMLName xml.Name     `xml:"urlset"`
	XMLNS   string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

func (p *Portal) showSitemap(c *fiber.Ctx) error {
	entries, err := p.svc.Sitemap(c.UserContext())
	if err != nil {
		return err
	}
	doc := sitemapDoc{XMLNS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	doc.URLs = append(doc.URLs, sitemapURL{Loc: p.abs("/")})
	for _, e := range entries {
		doc.URLs = append(doc.URLs, sitemapURL{Loc: p.abs(e.Path), LastMod: e.Updated.UTC().Format(time.DateOnly)})
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(append([]byte(xml.Header), out...))
}

// snippetText is a hit's snippet as it goes into JSON: the HTML the
// pages show (with <mark> highlights).
func snippetText(h template.HTML) string { return string(h) }
