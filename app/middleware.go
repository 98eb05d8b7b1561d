package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// requestID gives every request an id (kept from X-Request-ID when a proxy
// set a sane one) that appears in logs, error pages and the response.
func requestID() fiber.Handler {
	return requestid.New(requestid.Config{
		Header: fiber.HeaderXRequestID,
		Generator: func() string {
			return newID()
		},
	})
}

// RequestID returns the id of the request.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

// accessLog writes one structured line per request.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		status := c.Response().StatusCode()
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		} else if err != nil {
			status = fiber.StatusInternalServerError
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", c.Method()),
			slog.String("path", logPath(c.Path())),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", RequestID(c)),
		}
		if id := identity.Current(c); id != nil {
			attrs = append(attrs, slog.Int64("user_id", id.UserID))
		}
		log.LogAttrs(c.UserContext(), level, "request", attrs...)
		return err
	}
}

// logPath is a request path as logs may show it: a private workspace link
// (/w/link/{token}) is a credential, so its token is replaced.
func logPath(path string) string {
	if rest, ok := strings.CutPrefix(path, "/w/link/"); ok {
		_, tail, _ := strings.Cut(rest, "/")
		if tail != "" {
			tail = "/" + tail
		}
		return "/w/link/[redacted]" + tail
	}
	return path
}

// limitBody keeps the app-wide request body limit now that request bodies
// are streamed (fasthttp hands a handler a body over its limit instead of
// refusing it): a body over max is answered 413 before anything reads it,
// except on routes that stream an upload to the file store (streams says
// which). A chunked body of unknown length is read up to the limit.
func limitBody(max int, streams func(path string) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := c.Request()
		if !req.IsBodyStream() || streams(c.Path()) {
			return c.Next()
		}
		n := req.Header.ContentLength()
		if n > max {
			return fiber.ErrRequestEntityTooLarge
		}
		if n < 0 {
			b, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), int64(max)+1))
			if err != nil {
				return fiber.ErrBadRequest
			}
			if len(b) > max {
				return fiber.ErrRequestEntityTooLarge
			}
			req.SetBody(b)
		}
		return c.Next()
	}
}

// recoverer turns a panic into a logged 500 instead of a dropped connection.
func recoverer(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic", "request_id", RequestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fiber.ErrInternalServerError
			}
		}()
		return c.Next()
	}
}

// securityHeaders sets a strict Content-Security-Policy (no inline script or
// style: htmx is configured not to inject any) and the usual companions.
func securityHeaders(secure bool) fiber.Handler {
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data: https:",
		"font-src 'self'",
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return c.Next()
	}
}

// errorHandler maps every error returned by a handler to a response once:
// JSON under /api, an HTML page elsewhere. Unexpected errors are logged and
// shown as a generic 500 without internals.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	msg := "Something went wrong on our side. We have logged it; please try again."
	var fe *fiber.Error
	var fes web.FieldErrors
	switch {
	case errors.As(err, &fe):
		code = fe.Code
		if code < 500 {
			msg = fe.Message
		}
	case errors.As(err, &fes):
		code, msg = fiber.StatusUnprocessableEntity, fes.Error()
	}
	if code >= 500 {
		a.Log.Error("request failed", "request_id", RequestID(c), "path", logPath(c.Path()), "err", err)
	}
	if web.IsAPI(c) {
		body := fiber.Map{"error": apiMessage(code, msg)}
		if len(fes) > 0 {
			body["fields"] = fes
		}
		return c.Status(code).JSON(body)
	}
	title := map[int]string{
		400: "Bad request", 401: "Please log in", 403: "Not allowed", 404: "Page not found",
		405: "Method not allowed", 413: "Too large", 422: "Check your input", 429: "Too many requests",
	}[code]
	if title == "" {
		title = "Something went wrong"
	}
	if code == fiber.StatusNotFound && (fe == nil || fe.Message == fiber.ErrNotFound.Message || strings.HasPrefix(fe.Message, "Cannot ")) {
		msg = "We could not find that page. It may have moved, or the link may be mistyped."
	}
	c.Status(code)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if rerr := c.Render("errors/error", withCommonFor(c, fiber.Map{
		"Title": title, "Message": msg, "RequestID": RequestID(c),
	})); rerr != nil {
		a.Log.Error("render error page", "err", rerr)
		return c.Status(code).SendString(msg)
	}
	return nil
}

func apiMessage(code int, msg string) string {
	if code == fiber.StatusNotFound && (msg == fiber.ErrNotFound.Message || strings.HasPrefix(msg, "Cannot ")) {
		return "not found"
	}
	return msg
}

// withCommonFor gives error pages the same shared values as other pages.
func withCommonFor(c *fiber.Ctx, data fiber.Map) fiber.Map {
	c.Vary("HX-Request")
	return web.PageData(c, data)
}
