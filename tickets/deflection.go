package tickets

import (
	"context"
	"time"
)

// Deflection: each new-request form carries a random token; suggestions
// shown and articles opened are counted against it, and submitting the
// form marks it submitted. A form with suggestions shown that was not
// submitted within a day counts as abandoned: the customer found an
// answer (or gave up) without a ticket. Recording never fails a request.

// DeflectionShown records n suggestions shown on form tok.
func (s *Service) DeflectionShown(ctx context.Context, tok string, userID int64, n int) {
	if len(tok) > 64 {
		return
	}
	now := s.clock()
	d := &deflection{Token: tok, Shown: n, Outcome: "pending", CreatedAt: now, UpdatedAt: now}
	if userID != 0 {
		d.UserID = &userID
	}
	_, err := s.db.NewInsert().Model(d).
		On("CONFLICT (token) DO UPDATE").Set("shown = ?TableAlias.shown + EXCLUDED.shown").Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		s.log.Warn("record suggestions shown", "err", err)
	}
}

// DeflectionOpened records that a suggested article was opened.
func (s *Service) DeflectionOpened(ctx context.Context, tok string) {
	if _, err := s.db.NewUpdate().Model((*deflection)(nil)).Set("opened = opened + 1").Set("updated_at = ?", s.clock()).
		Where("token = ?", tok).Exec(ctx); err != nil {
		s.log.Warn("record suggestion opened", "err", err)
	}
}

// DeflectionSubmitted records that form tok became ticket ticketID.
func (s *Service) DeflectionSubmitted(ctx context.Context, tok string, ticketID int64) {
	if _, err := s.db.NewUpdate().Model((*deflection)(nil)).Set("outcome = 'submitted'").Set("ticket_id = ?", ticketID).
		Set("updated_at = ?", s.clock()).Where("token = ?", tok).Exec(ctx); err != nil {
		s.log.Warn("record request submitted", "err", err)
	}
}

// DeflectionStats summarises the forms that showed suggestions in a period.
type DeflectionStats struct {
	Forms     int // forms that showed suggestions
	Opened    int // of which an article was opened
	Submitted int
	Abandoned int // not submitted within a day
}

// Rate is the share of forms with suggestions that did not become a
// ticket (0..1), over forms whose outcome is known.
func (d DeflectionStats) Rate() float64 {
	known := d.Submitted + d.Abandoned
	if known == 0 {
		return 0
	}
	return float64(d.Abandoned) / float64(known)
}

// Deflection returns the stats for forms started in [from, to).
func (s *Service) Deflection(ctx context.Context, from, to time.Time) (DeflectionStats, error) {
	var rows []deflection
	err := s.db.NewSelect().Model(&rows).Column("opened", "outcome", "created_at").
		Where("created_at >= ? AND created_at < ? AND shown > 0", from, to).Scan(ctx)
	var st DeflectionStats
	cutoff := s.clock().Add(-24 * time.Hour)
	for _, r := range rows {
		st.Forms++
		if r.Opened > 0 {
			st.Opened++
		}
		switch {
		case r.Outcome == "submitted":
			st.Submitted++
		case r.CreatedAt.Before(cutoff):
			st.Abandoned++
		}
	}
	return st, err
}

// Presence: agents viewing or replying to a ticket, shared through the
// database so it works across nodes.

// presenceTTL is how long a heartbeat counts.
const presenceTTL = 30 * time.Second

// Viewer is another agent on the same ticket.
type Viewer struct {
	Name     string
	Replying bool
}

// Heartbeat records that userID is viewing (or replying to) ticketID and
// returns the other agents there now.
func (s *Service) Heartbeat(ctx context.Context, ticketID, userID int64, replying bool) ([]Viewer, error) {
	now := s.clock()
	p := &presence{TicketID: ticketID, UserID: userID, Replying: replying, SeenAt: now}
	if _, err := s.db.NewInsert().Model(p).On("CONFLICT (ticket_id, user_id) DO UPDATE").
		Set("replying = EXCLUDED.replying").Set("seen_at = EXCLUDED.seen_at").Exec(ctx); err != nil {
		return nil, err
	}
	var others []presence
	if err := s.db.NewSelect().Model(&others).Where("ticket_id = ? AND user_id <> ? AND seen_at > ?", ticketID, userID, now.Add(-presenceTTL)).
		Order("user_id").Scan(ctx); err != nil {
		return nil, err
	}
	if len(others) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(others))
	for i, o := range others {
		ids[i] = o.UserID
	}
	people, err := s.dir.People(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Viewer, len(others))
	for i, o := range others {
		out[i] = Viewer{Name: people[o.UserID].DisplayName(), Replying: o.Replying}
	}
	return out, nil
}
