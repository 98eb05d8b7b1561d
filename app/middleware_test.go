package app

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestPanicBecomesLogged500 checks that a handler panic is answered with a
// 500 (not a dropped connection) and logged with its request id.
func TestPanicBecomesLogged500(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	f := fiber.New()
	f.Use(requestID(), accessLog(log), recoverer(log))
	f.Get("/boom", func(c *fiber.Ctx) error { panic("kaboom") })
	resp, err := f.Test(httptest.NewRequest("GET", "/boom", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	out := logs.String()
	if !strings.Contains(out, "kaboom") || !strings.Contains(out, "request_id=") {
		t.Errorf("panic not logged with request id: %s", out)
	}
	if !strings.Contains(out, "status=500") {
		t.Errorf("access log line missing status=500: %s", out)
	}
}
