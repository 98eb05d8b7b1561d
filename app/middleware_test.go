package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/platform/validate"
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

// TestValidationErrorsAsJSON: a service's validation errors reach an API
// client as 422 with every field's message, however they were wrapped.
func TestValidationErrorsAsJSON(t *testing.T) {
	a := &App{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f := fiber.New(fiber.Config{ErrorHandler: a.errorHandler})
	f.Post("/api/v1/things", func(c *fiber.Ctx) error {
		return fmt.Errorf("create thing: %w", validate.Errors{"subject": "Enter a subject.", "text": "Describe the problem."})
	})
	resp, err := f.Test(httptest.NewRequest("POST", "/api/v1/things", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error  string            `json:"error"`
		Fields map[string]string `json:"fields"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 422 || body.Error != "Enter a subject." || body.Fields["text"] != "Describe the problem." {
		t.Fatalf("status %d, body %+v", resp.StatusCode, body)
	}
}
