package kb

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// apiSearchResult is one result of GET /api/v1/kb/search.
type apiSearchResult struct {
	ID      int64   `json:"id"`
	Slug    string  `json:"slug"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
	URL     string  `json:"url"`
}

// apiSearch answers GET /api/v1/kb/search?q=&limit= with the same ranking
// as the pages. It is public: only published articles can appear.
func (p *Portal) apiSearch(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if q == "" {
		return web.JSONError(c, fiber.StatusBadRequest, "q is required")
	}
	if len(q) > 300 {
		return web.JSONError(c, fiber.StatusBadRequest, "q is too long (300 characters at most)")
	}
	limit := 10
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return web.JSONError(c, fiber.StatusBadRequest, "limit must be a number from 1 to 100")
		}
		limit = n
	}
	category := c.Query("category")
	res, err := p.svc.Search(c.UserContext(), SearchRequest{Text: q, CategorySlug: category, Limit: limit})
	if err != nil {
		return err
	}
	if p.svc.slog != nil {
		p.svc.slog.Log(q, res.Total, userID(c), 0)
	} else if _, err := p.svc.LogSearch(c.UserContext(), q, res.Total, userID(c)); err != nil {
		p.svc.log.Warn("log search", "err", err)
	}
	out := make([]apiSearchResult, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, apiSearchResult{ID: h.ID, Slug: h.Slug, Title: h.Title, Snippet: snippetText(h.Snippet),
			Score: h.Score, URL: p.abs("/kb/a/" + h.Slug)})
	}
	body := fiber.Map{"results": out, "total": res.Total, "took_ms": float64(res.Took.Microseconds()) / 1000}
	if res.Corrected != "" {
		body["corrected"] = res.Corrected
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(body)
}
