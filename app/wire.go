package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/app/web"
)

// wire builds every domain package's service and mounts its handlers,
// workers, readiness checks and demo data. It is the only place that knows
// all domains; each section keeps to its own package.
func (a *App) wire() error {
	// Home page until the knowledge base takes "/" over.
	a.Fiber.Get("/", func(c *fiber.Ctx) error {
		return web.Render(c, "home/index", "", fiber.Map{})
	})
	return nil
}
