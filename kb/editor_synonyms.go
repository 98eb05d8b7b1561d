package kb

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// SynonymHandlers serve the admins' synonym list (/agent/kb/synonyms).
type SynonymHandlers struct{ svc *Service }

// NewSynonymHandlers builds the handlers.
func NewSynonymHandlers(svc *Service) *SynonymHandlers { return &SynonymHandlers{svc: svc} }

// Mount registers the routes; only admins may see or change the list.
func (h *SynonymHandlers) Mount(r fiber.Router) {
	g := r.Group("/agent/kb/synonyms", policy.Require(policy.Administer))
	g.Get("/", h.show)
	g.Post("/", h.save)
}

func (h *SynonymHandlers) show(c *fiber.Ctx) error {
	groups, err := h.svc.Synonyms(c.UserContext())
	if err != nil {
		return err
	}
	return h.render(c, fiber.StatusOK, FormatSynonyms(groups), len(groups), nil)
}

func (h *SynonymHandlers) save(c *fiber.Ctx) error {
	text := c.FormValue("synonyms")
	groups, err := h.svc.SaveSynonyms(c.UserContext(), text)
	var fe web.FieldErrors
	if errors.As(err, &fe) {
		return h.render(c, fiber.StatusUnprocessableEntity, text, 0, fe)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "Saved the synonyms: search uses them now.")
	_ = groups
	return web.Redirect(c, "/agent/kb/synonyms")
}

func (h *SynonymHandlers) render(c *fiber.Ctx, status int, text string, n int, fe web.FieldErrors) error {
	return web.RenderStatus(c, status, "kb/agent_synonyms", "", fiber.Map{
		"Title": "Search synonyms", "Nav": "synonyms", "Text": text, "Groups": n, "Errors": fe,
	})
}
