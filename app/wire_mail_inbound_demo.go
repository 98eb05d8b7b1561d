package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/mail/inbound"
)

// seedMailDemo runs a few emails through the real ingestion path, so the
// demo inbox shows tickets that came by email: a thread (a request with
// an attachment and the customer's follow-up), an out-of-office on it,
// and a flagged message from a stranger quoting its number.
func (a *App) seedMailDemo(ctx context.Context, seeded bool) ([]string, error) {
	parts := a.mailInbound()
	if seeded || parts.ingester == nil || parts.deliverer == nil {
		return nil, nil
	}
	uid := int64(0)
	ingest := func(raw string) (inbound.Result, *inbound.LogEntry, error) {
		uid++
		res, err := parts.ingester.Ingest(ctx, inbound.Item{Mailbox: "demo@frontdesk/INBOX", UIDValidity: 1, UID: uid,
			Raw: bytes.NewReader([]byte(strings.ReplaceAll(raw, "\n", "\r\n")))})
		if err != nil {
			return res, nil, err
		}
		e, err := inbound.GetLog(ctx, a.DB, res.LogID)
		return res, e, err
	}
	date := time.Now().UTC().Add(-3 * time.Hour).Format(time.RFC1123Z)
	csv := base64.StdEncoding.EncodeToString([]byte("date,amount\n2026-11-01,49.00\n2026-11-01,49.00\n"))
	_, first, err := ingest(`From: Hannah Weber <hannah.weber@example.net>
To: support@frontdesk.test
Subject: Charged twice for November
Message-ID: <demo-hannah-1@example.net>
Date: ` + date + `
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="d"

--d
Content-Type: text/plain; charset=utf-8

Hello,

my card was charged twice for the November plan. The bank statement is attached.

Thanks, Hannah
--d
Content-Type: text/csv; name="statement.csv"
Content-Disposition: attachment; filename="statement.csv"
Content-Transfer-Encoding: base64

` + csv + `
--d--
`)
	if err != nil {
		return nil, err
	}
	if first.TicketNumber == nil {
		return nil, fmt.Errorf("mail demo: first message became %s (%s)", first.Decision, first.Reason)
	}
	n := *first.TicketNumber
	steps := []string{
		fmt.Sprintf(`From: Hannah Weber <hannah.weber@example.net>
To: support@frontdesk.test
Subject: Re: Charged twice for November [#%d]
Message-ID: <demo-hannah-2@example.net>
In-Reply-To: <demo-hannah-1@example.net>
References: <demo-hannah-1@example.net>
Content-Type: text/plain; charset=utf-8

One more detail: both charges are from 1 November.

On Mon, Hannah Weber wrote:
> my card was charged twice for the November plan.
`, n),
		fmt.Sprintf(`From: Hannah Weber <hannah.weber@example.net>
To: support@frontdesk.test
Subject: Automatic reply: Charged twice for November [#%d]
Auto-Submitted: auto-replied
Message-ID: <demo-hannah-ooo@example.net>
In-Reply-To: <demo-hannah-1@example.net>
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday and will reply then.
`, n),
		fmt.Sprintf(`From: Someone Else <someone@unknown.example>
To: support@frontdesk.test
Subject: Re: [#%d] please send the invoices to me instead
Message-ID: <demo-stranger-1@unknown.example>
Content-Type: text/plain; charset=utf-8

Please send all invoices for this account to this address.
`, n),
	}
	for _, raw := range steps {
		if _, _, err := ingest(raw); err != nil {
			return nil, err
		}
	}
	return []string{fmt.Sprintf("Email demo: ticket #%d came by email (thread, attachment, out-of-office); a flagged message is in /admin/mail", n)}, nil
}
