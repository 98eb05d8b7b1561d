package kb

import (
	"context"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/platform/audit"
)

// DraftFromTicket starts a draft article from a solved ticket ("Turn into
// article"): the ticket's subject as the title, the customer's question
// and the agent's answer as the body, for an agent to edit and publish.
// It returns the id of the draft.
func (s *Service) DraftFromTicket(ctx context.Context, title, question, answer string, authorID int64) (int64, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		title = "Answer from a support ticket"
	}
	if len([]rune(title)) > 200 {
		title = string([]rune(title)[:200])
	}
	var b strings.Builder
	if q := strings.TrimSpace(question); q != "" {
		b.WriteString("## Question\n\n")
		b.WriteString(q)
		b.WriteString("\n\n")
	}
	b.WriteString("## Answer\n\n")
	if a := strings.TrimSpace(answer); a != "" {
		b.WriteString(a)
	} else {
		b.WriteString("_Write the answer here._")
	}
	b.WriteString("\n")
	slug, err := freeSlug(ctx, s.db, "kb_articles", Slugify(title), 0)
	if err != nil {
		return 0, err
	}
	a, err := s.SaveArticle(ctx, ArticleInput{
		Title: title, Slug: slug, Body: b.String(), Status: StatusDraft,
	}, &audit.Entry{ActorID: &authorID}, "Started from a support ticket")
	if err != nil {
		return 0, fmt.Errorf("draft from ticket: %w", err)
	}
	return a.ID, nil
}
