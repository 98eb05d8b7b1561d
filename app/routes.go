package app

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/web"
	"github.com/frontdesk/frontdesk/static"
	"github.com/frontdesk/frontdesk/workspaces"
)

// Default branding, used until an admin changes it.
const (
	defaultBrandName  = "Frontdesk"
	defaultTagline    = "Answers, tickets and billing in one place."
	defaultBrandColor = "#1d4ed8"
)

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (a *App) routes(ctx context.Context) error {
	f := a.Fiber
	secure := a.Config.SecureCookies()

	// The recoverer sits inside the access log and metrics so a panicking
	// request is still logged and counted, as the 500 it becomes.
	f.Use(requestID(), accessLog(a.Log), a.Metrics.middleware(), recoverer(a.Log),
		securityHeaders(secure), compress.New(compress.Config{Level: compress.LevelBestSpeed}),
		// Control characters and broken UTF-8 stop here, for every handler.
		web.CleanInput("/w/")) // workspace uploads stream (workspaces cleans their names)

	f.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	f.Get("/readyz", a.showReadiness)
	// /metrics is not on the public listener: see --metrics-addr (Serve).
	f.Get(static.Prefix+"*", a.Assets.Handler())
	f.Get("/brand.css", a.serveBrandCSS)

	// CSRF sits behind the identity middleware (accounts mounts both).
	f.Use(limitBody(a.Fiber.Config().BodyLimit, workspaces.IsUploadPath), a.brandMiddleware)

	if err := a.wire(ctx); err != nil {
		return err
	}

	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return nil
}

// brand reads the branding settings (cached by the settings store).
func (a *App) brand(ctx context.Context) web.Brand {
	all, err := a.Settings.All(ctx)
	if err != nil {
		all = map[string]string{}
	}
	b := web.Brand{
		Name:         all["brand.name"],
		Tagline:      all["brand.tagline"],
		PrimaryColor: all["brand.color"],
		LogoURL:      all["brand.logo_url"],
	}
	if b.Name == "" {
		b.Name = defaultBrandName
	}
	if b.Tagline == "" {
		b.Tagline = defaultTagline
	}
	if !hexColor.MatchString(b.PrimaryColor) {
		b.PrimaryColor = defaultBrandColor
	}
	if b.LogoURL == "" {
		b.LogoURL = a.Assets.URL("img/logo.svg")
	}
	return b
}

func (a *App) brandMiddleware(c *fiber.Ctx) error {
	web.SetBrand(c, a.brand(c.UserContext()))
	return c.Next()
}

// serveBrandCSS turns the brand colour into CSS variables, so the strict
// CSP (no inline style) still lets each company have its own colour. The
// text colour on the brand background is chosen for contrast.
func (a *App) serveBrandCSS(c *fiber.Ctx) error {
	b := a.brand(c.UserContext())
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.SendString(fmt.Sprintf(":root{--brand:%s;--brand-contrast:%s}\n", b.PrimaryColor, contrastText(b.PrimaryColor)))
}

// contrastText picks black or white text for a background colour using the
// WCAG relative-luminance formula.
func contrastText(hex string) string {
	lin := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(hex[1:3]) + 0.7152*lin(hex[3:5]) + 0.0722*lin(hex[5:7])
	// Contrast against white is 1.05/(l+0.05); against black (l+0.05)/0.05.
	if 1.05/(l+0.05) >= (l+0.05)/0.05 {
		return "#ffffff"
	}
	return "#111827"
}

// showReadiness answers 200 when the database answers, no migration is
// pending and every registered check passes; 503 with the reasons otherwise.
func (a *App) showReadiness(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	problems := fiber.Map{}
	if err := a.DB.PingContext(ctx); err != nil {
		problems["database"] = err.Error()
	} else if pending, err := database.Pending(ctx, a.DB); err != nil {
		problems["migrations"] = err.Error()
	} else if len(pending) > 0 {
		problems["migrations"] = fmt.Sprintf("%d pending", len(pending))
	}
	for _, chk := range a.ready {
		if err := chk.fn(ctx); err != nil {
			problems[chk.name] = err.Error()
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if len(problems) > 0 {
		// The reasons are for operators (the log), not for the public:
		// error text names hosts, files and versions.
		a.Log.Warn("not ready", "problems", problems)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
