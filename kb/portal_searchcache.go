package kb

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// The as-you-type result list (the htmx partial of /kb/search) is the
// help center's most requested response, and with the search result
// cache warm, executing its template was 43% of a request's CPU (pprof of
// serve under bench/kb-search.sh). The list depends only on the query,
// the category, the page, the index's state and which articles are
// published, plus the search log id woven into every result link; so the
// rendered bytes are kept, cut at that id, and a repeated search writes
// them with the new id in place. The entries are valid for one result
// cache generation (it moves on every index write) and one kb_changes
// head (it moves on every publish or unpublish), and the whole cache is
// off when the search result cache is (--kb-search-cache 0).

// maxRenderedSearches bounds the cache; it is cleared when full.
const maxRenderedSearches = 2000

// searchIDMark stands in for the search log id while a list is rendered
// for the cache: a number no log id reaches and no query holds (an entry
// is only kept when the mark occurs exactly once per hit).
const searchIDMark int64 = 987654321987654321

type renderedKey struct {
	q, category, categoryName string
	page                      int
}

type renderedSearch struct {
	parts [][]byte // the HTML, cut where the search id goes
	total int      // the result count, for the search log
}

type searchStamp struct {
	gen  uint64
	head int64
}

type renderedSearches struct {
	mu    sync.Mutex
	stamp searchStamp
	m     map[renderedKey]*renderedSearch
}

// resultStamper is implemented by the search index adapter when it
// caches results.
type resultStamper interface {
	ResultStamp() (uint64, bool)
}

// resultStamp returns the state a result list depends on as of a request
// that arrived at since, false when results are not cached (then neither
// are rendered lists). Its head read is the one the search that may follow
// reuses (freshHead).
func (s *Service) resultStamp(ctx context.Context, since time.Time) (searchStamp, bool, error) {
	rs, ok := s.index.(resultStamper)
	if !ok {
		return searchStamp{}, false, nil
	}
	gen, on := rs.ResultStamp()
	if !on {
		return searchStamp{}, false, nil
	}
	head, err := s.freshHead(ctx, since)
	if err != nil {
		return searchStamp{}, false, err
	}
	return searchStamp{gen, head}, true, nil
}

func (r *renderedSearches) get(st searchStamp, k renderedKey) *renderedSearch {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stamp != st {
		return nil
	}
	return r.m[k]
}

func (r *renderedSearches) put(st searchStamp, k renderedKey, e *renderedSearch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stamp != st || r.m == nil || len(r.m) >= maxRenderedSearches {
		r.stamp = st
		r.m = make(map[renderedKey]*renderedSearch, 64)
	}
	r.m[k] = e
}

// writeRendered answers with a kept list, logging the search as a
// rendered one would; false when there is none for k.
func (p *Portal) writeRendered(c *fiber.Ctx, st searchStamp, k renderedKey) bool {
	e := p.rendered.get(st, k)
	if e == nil {
		return false
	}
	sid := p.logSearch(c, k.q, e.total)
	c.Vary("HX-Request")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	body := c.Response().BodyWriter()
	if sid == 0 { // logging failed: links without an id, as the template writes them
		for i, part := range e.parts {
			if i < len(e.parts)-1 {
				part = part[:len(part)-len(sidParam)]
			}
			_, _ = body.Write(part)
		}
		return true
	}
	id := strconv.AppendInt(make([]byte, 0, 20), sid, 10)
	for i, part := range e.parts {
		if i > 0 {
			_, _ = body.Write(id)
		}
		_, _ = body.Write(part)
	}
	return true
}

// sidParam precedes the search id in every result link.
const sidParam = "?s="

// renderForCache renders the result list with the id mark, keeps it, and
// writes it with the real id.
func (p *Portal) renderForCache(c *fiber.Ctx, st searchStamp, k renderedKey, sp searchPage) error {
	sid := sp.SearchID
	sp.SearchID = searchIDMark
	var buf bytes.Buffer
	views := c.App().Config().Views
	if views == nil || sid == 0 {
		sp.SearchID = sid
		return p.renderSearch(c, sp)
	}
	if err := views.Render(&buf, "kb/_results", web.PageData(c, fiber.Map{"Search": sp})); err != nil {
		return err
	}
	mark := []byte(strconv.FormatInt(searchIDMark, 10))
	parts := bytes.Split(buf.Bytes(), mark)
	ok := len(parts)-1 == len(sp.Hits)
	for _, part := range parts[:len(parts)-1] {
		ok = ok && bytes.HasSuffix(part, []byte(sidParam))
	}
	if !ok {
		sp.SearchID = sid
		return p.renderSearch(c, sp)
	}
	p.rendered.put(st, k, &renderedSearch{parts: parts, total: sp.Total})
	id := strconv.AppendInt(nil, sid, 10)
	c.Vary("HX-Request")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Response().SetBodyRaw(bytes.Join(parts, id))
	return nil
}
