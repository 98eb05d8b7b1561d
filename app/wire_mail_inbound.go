package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/tickets"
)

// mailInbound holds the email channel's parts once wired.
type mailInbound struct {
	mu        sync.Mutex
	deliverer inbound.Deliverer
	ingester  *inbound.Ingester
	fetcher   *inbound.Fetcher // nil without --imap-url
}

var mailInboundParts sync.Map // *App -> *mailInbound

func (a *App) mailInbound() *mailInbound {
	v, _ := mailInboundParts.LoadOrStore(a, &mailInbound{})
	return v.(*mailInbound)
}

// wireMailInbound builds the ingester and (with --imap-url) the fetcher,
// mounts the ingestion-log pages and API, registers the fetcher worker and
// its readiness check. Messages are delivered to the tickets domain.
func (a *App) wireMailInbound() error {
	var deliverer inbound.Deliverer
	if a.Tickets != nil {
		opts := tickets.EmailOptions{SupportAddress: a.Config.SupportAddress}
		if a.KB != nil {
			opts.Suggest = kbSuggester{a.KB}
		}
		deliverer = a.Tickets.EmailDeliverer(opts)
	}
	deliverer = a.routeWorkspaceMail(deliverer) // replies to workspace mail join the workspace (wire_workspaces_mail.go)
	parts := a.mailInbound()
	a.AddCloser(func() error { mailInboundParts.Delete(a); return nil })
	parts.deliverer = deliverer
	parts.ingester = inbound.NewIngester(inbound.IngesterDeps{
		DB: a.DB, Files: a.Files, Deliverer: deliverer,
		Classify: a.mailClassifyOptions(), Settings: a.Settings,
		Log: a.Log.With("worker", "mail-fetcher"),
	})
	if a.Config.IMAPURL != "" {
		f, err := inbound.NewFetcher(inbound.FetcherConfig{URL: a.Config.IMAPURL},
			inbound.FetcherDeps{DB: a.DB, Ingester: parts.ingester, Log: a.Log.With("worker", "mail-fetcher")})
		if err != nil {
			return err
		}
		parts.fetcher = f
		if !a.Config.Command {
			a.AddWorker("mail-fetcher", f)
			a.AddReadyCheck("mail-fetcher", f.Ready)
		}
	}
	a.AddDemoSeeder(a.seedMailDemo)
	var status inbound.StatusSource
	if parts.fetcher != nil {
		status = parts.fetcher
	}
	inbound.NewAdmin(inbound.AdminDeps{
		DB: a.DB, Files: a.Files, Ingester: parts.ingester, Fetcher: status,
		Guard: policy.Require(policy.Administer), Settings: a.Settings,
		Audit: func(c *fiber.Ctx, action, detail string) error {
			return audit.Write(c.UserContext(), a.DB, identity.AuditEntry(c, action, "settings", 0, detail))
		},
	}).Mount(a.Fiber)
	return nil
}

// mailClassifyOptions: our own addresses and Message-IDs.
func (a *App) mailClassifyOptions() inbound.ClassifyOptions {
	key := a.mailMessageIDKey()
	var own []string
	if a.Config.SupportAddress != "" {
		own = append(own, a.Config.SupportAddress)
	}
	return inbound.ClassifyOptions{
		SupportAddresses: own,
		OwnMessageID: func(id string) bool {
			_, ok := mail.VerifyMessageID(key, id)
			return ok
		},
	}
}

// MailFetcher is the support-mailbox fetcher (`mail fetch --once`); an
// error when no --imap-url is configured.
func (a *App) MailFetcher() (*inbound.Fetcher, error) {
	if f := a.mailInbound().fetcher; f != nil {
		return f, nil
	}
	return nil, errors.New("no support mailbox: set --imap-url (or FRONTDESK_IMAP_URL)")
}

// MailStatus is the fetcher's health for the agent dashboard: ok=false
// when no mailbox is configured.
func (a *App) MailStatus(ctx context.Context) (inbound.Status, bool, error) {
	f := a.mailInbound().fetcher
	if f == nil {
		return inbound.Status{}, false, nil
	}
	s, err := f.Status(ctx)
	return s, true, err
}

const messageIDKeySetting = "mail.message_id_key"

// mailMessageIDKey is the installation's key for signing outgoing
// Message-IDs (mail.SignedMessageID), made once and kept in the settings
// so every node signs and verifies alike.
func (a *App) mailMessageIDKey() []byte {
	parts := a.mailInbound()
	parts.mu.Lock()
	defer parts.mu.Unlock()
	ctx := context.Background()
	k := a.Settings.Get(ctx, messageIDKeySetting, "")
	if k == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		if err := a.Settings.Set(ctx, map[string]string{messageIDKeySetting: hex.EncodeToString(b)}); err != nil {
			a.Log.Warn("mail: cannot keep the Message-ID key", "err", err)
		}
		k = a.Settings.Get(ctx, messageIDKeySetting, "")
	}
	b, err := hex.DecodeString(k)
	if err != nil {
		return nil
	}
	return b
}

// mailHealth is the agent dashboard's view of the fetcher (tickets.MailHealth).
type mailHealth struct{ a *App }

// MailWarning: a sentence when the fetcher has not completed a check for
// longer than its threshold, "" otherwise (or without --imap-url).
func (m mailHealth) MailWarning(ctx context.Context) string {
	s, ok, err := m.a.MailStatus(ctx)
	if !ok {
		return ""
	}
	if err != nil {
		return "The state of the support mailbox cannot be read: " + err.Error()
	}
	if !s.Stalled {
		return ""
	}
	msg := "The support mailbox " + s.Mailbox + " has not been checked"
	if s.LastCheckAt != nil {
		msg += " since " + s.LastCheckAt.UTC().Format("2006-01-02 15:04 UTC")
	} else {
		msg += " yet"
	}
	msg += "; new customer email may be waiting."
	if s.LastError != "" {
		msg += " Last error: " + s.LastError + "."
	}
	return msg + " An administrator can see more under Admin → Mail."
}
