package kb

import (
	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// previewMarkdown renders the editor's body field as the public page would
// (POST /agent/kb/preview; htmx swaps the fragment into #preview).
func (h *EditorHandlers) previewMarkdown(c *fiber.Ctx) error {
	body := formValue(c, "body")
	if len(body) > 1<<20 {
		body = body[:1<<20]
	}
	html, toc := RenderMarkdown(body)
	return web.Render(c, "kb/agent_preview", "kb/_agent_preview", fiber.Map{
		"Title": "Preview", "Nav": "articles", "Preview": html, "TOC": toc,
	})
}
