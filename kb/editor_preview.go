package kb

import (
	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// previewMarkdown renders the editor's body field as the public page would
// (POST /agent/kb/preview; htmx swaps the fragment into #preview).
func (h *EditorHandlers) previewMarkdown(c *fiber.Ctx) error {
	body := c.FormValue("body")
	if len(body) > 1<<20 {
		body = body[:1<<20]
	}
	html, toc, err := RenderMarkdownContext(c.UserContext(), body, editorRenderLimit)
	if err != nil {
		// The author sees why instead of a preview; saving the same text
		// is refused with the same message.
		msg := "This Markdown takes too long to render; simplify it (fewer unclosed brackets or nested quotes)."
		if p := MarkdownProblem(body); p != "" {
			msg = p
		}
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "kb/agent_preview", "kb/_agent_preview", fiber.Map{
			"Title": "Preview", "Nav": "articles", "PreviewError": msg,
		})
	}
	return web.Render(c, "kb/agent_preview", "kb/_agent_preview", fiber.Map{
		"Title": "Preview", "Nav": "articles", "Preview": html, "TOC": toc,
	})
}
