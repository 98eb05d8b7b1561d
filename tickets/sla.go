package tickets

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// SLATarget is the first-response and resolution target of one priority.
type SLATarget struct {
	Priority      string
	FirstResponse time.Duration
	Resolution    time.Duration
}

// DefaultSLA are the targets until an admin changes them.
var DefaultSLA = map[string]SLATarget{
	PriorityUrgent: {PriorityUrgent, time.Hour, 4 * time.Hour},
	PriorityHigh:   {PriorityHigh, 4 * time.Hour, 24 * time.Hour},
	PriorityNormal: {PriorityNormal, 8 * time.Hour, 72 * time.Hour},
	PriorityLow:    {PriorityLow, 24 * time.Hour, 7 * 24 * time.Hour},
}

// Settings keys (minutes; 0 switches the target off).
func slaKey(priority, which string) string { return "tickets.sla." + priority + "." + which }

// SLATargets returns the configured targets, lowest priority first.
func (s *Service) SLATargets(ctx context.Context) []SLATarget {
	out := make([]SLATarget, 0, len(Priorities))
	for _, p := range Priorities {
		out = append(out, s.slaFor(ctx, p))
	}
	return out
}

func (s *Service) slaFor(ctx context.Context, priority string) SLATarget {
	t := DefaultSLA[priority]
	t.Priority = priority
	get := func(which string, def time.Duration) time.Duration {
		v := s.settings.Get(ctx, slaKey(priority, which), "")
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return def
		}
		return time.Duration(n) * time.Minute
	}
	t.FirstResponse = get("first", t.FirstResponse)
	t.Resolution = get("resolve", t.Resolution)
	return t
}

// SaveSLATargets stores targets in minutes (admin settings).
func (s *Service) SaveSLATargets(ctx context.Context, ts []SLATarget) error {
	vals := map[string]string{}
	for _, t := range ts {
		if !ValidPriority(t.Priority) {
			return fmt.Errorf("unknown priority %q", t.Priority)
		}
		vals[slaKey(t.Priority, "first")] = strconv.Itoa(int(t.FirstResponse / time.Minute))
		vals[slaKey(t.Priority, "resolve")] = strconv.Itoa(int(t.Resolution / time.Minute))
	}
	return s.settings.Set(ctx, vals)
}

// applySLA sets the due times of t from its priority and creation time.
func (s *Service) applySLA(ctx context.Context, t *Ticket) {
	target := s.slaFor(ctx, t.Priority)
	t.FirstResponseDueAt, t.ResolutionDueAt = nil, nil
	if target.FirstResponse > 0 {
		d := t.CreatedAt.Add(target.FirstResponse)
		t.FirstResponseDueAt = &d
	}
	if target.Resolution > 0 {
		d := t.CreatedAt.Add(target.Resolution)
		t.ResolutionDueAt = &d
	}
	t.SLADueAt = nextDue(t)
}

// nextDue is the deadline the ticket is working towards: the first
// response until there is one, then the resolution; none once solved.
func nextDue(t *Ticket) *time.Time {
	if !t.IsOpen {
		return nil
	}
	if t.FirstResponseAt == nil && t.FirstResponseDueAt != nil {
		if t.ResolutionDueAt != nil && t.ResolutionDueAt.Before(*t.FirstResponseDueAt) {
			return t.ResolutionDueAt
		}
		return t.FirstResponseDueAt
	}
	return t.ResolutionDueAt
}

func (s *Service) writeSLA(ctx context.Context, tx bun.IDB, t *Ticket) error {
	_, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
		Set("first_response_due_at = ?", t.FirstResponseDueAt).
		Set("resolution_due_at = ?", t.ResolutionDueAt).
		Set("sla_due_at = ?", t.SLADueAt).Exec(ctx)
	return err
}

// refreshSLA recomputes sla_due_at after a status or first-response change.
func (s *Service) refreshSLA(ctx context.Context, tx bun.IDB, t *Ticket) error {
	due := nextDue(t)
	if sameTime(due, t.SLADueAt) {
		return nil
	}
	t.SLADueAt = due
	_, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).Set("sla_due_at = ?", due).Exec(ctx)
	return err
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func fmtDue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// Breached reports whether a target was missed: the first response came
// (or is still missing) after its due time, or the resolution did.
func (t *Ticket) Breached(now time.Time) bool {
	if t.FirstResponseDueAt != nil {
		if t.FirstResponseAt != nil && t.FirstResponseAt.After(*t.FirstResponseDueAt) {
			return true
		}
		if t.FirstResponseAt == nil && t.IsOpen && now.After(*t.FirstResponseDueAt) {
			return true
		}
	}
	if t.ResolutionDueAt != nil {
		if t.SolvedAt != nil && t.SolvedAt.After(*t.ResolutionDueAt) {
			return true
		}
		if t.SolvedAt == nil && t.IsOpen && now.After(*t.ResolutionDueAt) {
			return true
		}
	}
	return false
}
