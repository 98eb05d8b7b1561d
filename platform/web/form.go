package web

import (
	"github.com/frontdesk/frontdesk/platform/validate"

	"github.com/gofiber/fiber/v2"
)

// FieldErrors is the platform's validation-error type (see package
// validate), named here for handlers that already speak web.
type FieldErrors = validate.Errors

// JSONError answers an API request with {"error": msg} and status.
func JSONError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}
