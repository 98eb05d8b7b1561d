package accounts

import (
	"github.com/gofiber/fiber/v2"
)

// Mount registers the identity middleware and the account pages and API
// on r. Mount it before any other domain's routes.
func (s *Service) Mount(r fiber.Router) {
	r.Use(s.Middleware())
}
