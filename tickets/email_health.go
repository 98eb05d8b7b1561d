package tickets

import "context"

// mailWarning is the dashboard's email-channel warning, "" when none.
func (h *Handlers) mailWarning(ctx context.Context) string {
	if h.mail == nil {
		return ""
	}
	return h.mail.MailWarning(ctx)
}
