package kb

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// editorPageSize is how many articles the agent list shows per page.
const editorPageSize = 50

// statusCount is one tab of the list's status filter.
type statusCount struct {
	Status, Label string
	Count         int
}

func (h *EditorHandlers) statusCounts(ctx context.Context) ([]statusCount, error) {
	by, err := h.svc.StatusCounts(ctx)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, n := range by {
		total += n
	}
	return []statusCount{
		{"", "All", total},
		{StatusDraft, "Drafts", by[StatusDraft]},
		{StatusPublished, "Published", by[StatusPublished]},
		{StatusArchived, "Archived", by[StatusArchived]},
	}, nil
}

// listArticles renders /agent/kb?status=&category=&q=&page= (the table
// alone for htmx filter requests).
func (h *EditorHandlers) listArticles(c *fiber.Ctx) error {
	ctx := c.UserContext()
	status := c.Query("status")
	switch status {
	case StatusDraft, StatusPublished, StatusArchived:
	default:
		status = ""
	}
	catID, _ := strconv.ParseInt(c.Query("category"), 10, 64)
	q := strings.TrimSpace(c.Query("q"))
	page, _ := strconv.Atoi(c.Query("page"))
	if page < 1 {
		page = 1
	}
	articles, total, err := h.svc.ListArticles(ctx, ArticleFilter{
		Status: status, CategoryID: catID, Query: q,
		Limit: editorPageSize, Offset: (page - 1) * editorPageSize,
	})
	if err != nil {
		return err
	}
	counts, err := h.statusCounts(ctx)
	if err != nil {
		return err
	}
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return err
	}
	pageURL := func(p int) string {
		v := url.Values{}
		if status != "" {
			v.Set("status", status)
		}
		if catID != 0 {
			v.Set("category", strconv.FormatInt(catID, 10))
		}
		if q != "" {
			v.Set("q", q)
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		if len(v) == 0 {
			return "/agent/kb"
		}
		return "/agent/kb?" + v.Encode()
	}
	data := fiber.Map{
		"Title":      "Knowledge base articles",
		"Nav":        "articles",
		"Articles":   articles,
		"Total":      total,
		"Counts":     counts,
		"Categories": categoryOptions(cats),
		"Status":     status,
		"CategoryID": catID,
		"Q":          q,
		"Page":       page,
	}
	if page > 1 {
		data["PrevURL"] = pageURL(page - 1)
	}
	if page*editorPageSize < total {
		data["NextURL"] = pageURL(page + 1)
	}
	return web.Render(c, "kb/agent_list", "kb/_agent_list", data)
}
