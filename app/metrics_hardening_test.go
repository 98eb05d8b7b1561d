package app_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Issue 8 item 12: /metrics is not on the public listener but on
// --metrics-addr; /readyz tells the public ready or not, without the
// internal error text.
func TestMetricsOffThePublicListenerAndQuietReadyz(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := probe.Addr().String()
	probe.Close()
	a := apptest.New(t, dbtest.SQLite(t), func(c *app.Config) { c.MetricsAddr = metricsAddr })
	a.AddReadyCheck("secret-store", func(context.Context) error {
		return errors.New("dial tcp 10.1.2.3:5432: password authentication failed for user frontdesk")
	})
	base := apptest.Serve(t, a)
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(base + "/metrics"); code == http.StatusOK || strings.Contains(body, "frontdesk_http_requests_total") {
		t.Errorf("public /metrics: %d", code)
	}
	if code, body := get("http://" + metricsAddr + "/metrics"); code != http.StatusOK || !strings.Contains(body, "frontdesk_http_requests_total") {
		t.Errorf("--metrics-addr /metrics: %d %.200s", code, body)
	}
	code, body := get(base + "/readyz")
	if code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with a failing check: %d", code)
	}
	for _, leak := range []string{"10.1.2.3", "password", "frontdesk", "dial tcp"} {
		if strings.Contains(body, leak) {
			t.Errorf("/readyz tells the public %q: %s", leak, body)
		}
	}
}
