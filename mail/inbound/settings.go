package inbound

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/settings"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Settings of the email channel that admins change at /admin/mail/settings.
const (
	// SettingAckEnabled: send an acknowledgement for each new ticket by
	// email ("true"/"false", default true).
	SettingAckEnabled = "mail.ack_enabled"
	// SettingAckText: the acknowledgement's opening paragraph; "" keeps
	// the built-in one. {name}, {number} and {subject} are filled in. The
	// ticket number, portal link and KB suggestions follow it always.
	SettingAckText = "mail.ack_text"
	// SettingAutoAnswerLimit: at most this many automatic emails per
	// sender per hour (loop protection), 1 to 100, default 5.
	SettingAutoAnswerLimit = "mail.auto_answer_limit"
)

// DefaultAutoAnswerLimit is the hourly cap when none is set.
const DefaultAutoAnswerLimit = 5

// MaxAckText is the longest acknowledgement text accepted, in characters.
const MaxAckText = 2000

// AutoAnswerLimit reads the per-sender hourly cap.
func AutoAnswerLimit(ctx context.Context, s *settings.Store, def int) int {
	if s == nil {
		return def
	}
	n, err := strconv.Atoi(s.Get(ctx, SettingAutoAnswerLimit, ""))
	if err != nil || n < 1 || n > 100 {
		return def
	}
	return n
}

// AckText fills the acknowledgement text's placeholders ("" when none is
// set, so the template's own paragraph is used).
func AckText(ctx context.Context, s *settings.Store, name string, number int64, subject string) string {
	if s == nil {
		return ""
	}
	t := strings.TrimSpace(s.Get(ctx, SettingAckText, ""))
	if t == "" {
		return ""
	}
	if name == "" {
		name = "there"
	}
	return strings.NewReplacer("{name}", name, "{number}", "#"+strconv.FormatInt(number, 10), "{subject}", subject).Replace(t)
}

// SettingsForm is the /admin/mail/settings form.
type SettingsForm struct {
	AckEnabled bool
	AckText    string
	Limit      string
	limit      int
}

// Validate checks the form.
func (f *SettingsForm) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	f.AckText = strings.TrimSpace(strings.ReplaceAll(f.AckText, "\r\n", "\n"))
	if n := utf8.RuneCountInString(f.AckText); n > MaxAckText {
		fe.Add("ack_text", fmt.Sprintf("Keep the text under %d characters (it has %d).", MaxAckText, n))
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Limit))
	switch {
	case strings.TrimSpace(f.Limit) == "":
		fe.Add("limit", "Enter how many automatic emails one sender may get per hour (1 to 100).")
	case err != nil || n < 1 || n > 100:
		fe.Add("limit", "Enter a whole number from 1 to 100.")
	default:
		f.limit = n
	}
	return fe
}

func (h *Admin) settingsForm(ctx context.Context) SettingsForm {
	s := h.d.Settings
	return SettingsForm{
		AckEnabled: s.Bool(ctx, SettingAckEnabled, true),
		AckText:    s.Get(ctx, SettingAckText, ""),
		Limit:      strconv.Itoa(AutoAnswerLimit(ctx, s, DefaultAutoAnswerLimit)),
	}
}

func (h *Admin) showSettings(c *fiber.Ctx) error {
	if h.d.Settings == nil {
		return fiber.ErrNotFound
	}
	return web.Render(c, "mail/inbound_settings", "", fiber.Map{
		"Title": "Email channel settings", "Form": h.settingsForm(c.UserContext()), "Errors": web.FieldErrors{}, "MaxAckText": MaxAckText,
	})
}

func (h *Admin) saveSettings(c *fiber.Ctx) error {
	if h.d.Settings == nil {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	f := SettingsForm{AckEnabled: c.FormValue("ack_enabled") == "on", AckText: c.FormValue("ack_text"), Limit: c.FormValue("limit")}
	if fe := f.Validate(); fe.Any() {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "mail/inbound_settings", "", fiber.Map{
			"Title": "Email channel settings", "Form": f, "Errors": fe, "MaxAckText": MaxAckText,
		})
	}
	old := h.settingsForm(ctx)
	if err := h.d.Settings.Set(ctx, map[string]string{
		SettingAckEnabled: strconv.FormatBool(f.AckEnabled), SettingAckText: f.AckText,
		SettingAutoAnswerLimit: strconv.Itoa(f.limit),
	}); err != nil {
		return err
	}
	if h.d.Audit != nil {
		detail := fmt.Sprintf("acknowledgement %s → %s; hourly cap per sender %s → %d; acknowledgement text %s",
			onOff(old.AckEnabled), onOff(f.AckEnabled), old.Limit, f.limit, changed(old.AckText, f.AckText))
		if err := h.d.Audit(c, "mail.settings", detail); err != nil {
			return err
		}
	}
	web.SetFlash(c, "success", "Email channel settings saved.")
	return web.Redirect(c, "/admin/mail/settings")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func changed(a, b string) string {
	if a == b {
		return "unchanged"
	}
	if b == "" {
		return "reset to the built-in one"
	}
	return "changed"
}
