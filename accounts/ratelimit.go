package accounts

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
)

// Limit allows Max requests per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Limits are the rate limits on the account endpoints. Counters live in the
// rate_limits table, so every app node sees the same numbers.
type Limits struct {
	LoginPerAccount, LoginPerIP   Limit
	SignupPerAccount, SignupPerIP Limit
	ResetPerAccount, ResetPerIP   Limit
	MagicPerAccount, MagicPerIP   Limit
	// FailureThreshold failed logins in a row are free; each further one
	// blocks the account for 2^n seconds (n = failures beyond the
	// threshold), capped at MaxBlock, so guessing slows down without
	// locking the owner out for good.
	FailureThreshold int
	MaxBlock         time.Duration
}

// DefaultLimits are the production limits.
var DefaultLimits = Limits{
	LoginPerAccount:  Limit{10, 15 * time.Minute},
	LoginPerIP:       Limit{30, 15 * time.Minute},
	SignupPerAccount: Limit{5, time.Hour},
	SignupPerIP:      Limit{10, time.Hour},
	ResetPerAccount:  Limit{5, time.Hour},
	ResetPerIP:       Limit{20, time.Hour},
	MagicPerAccount:  Limit{5, time.Hour},
	MagicPerIP:       Limit{20, time.Hour},
	FailureThreshold: 3,
	MaxBlock:         15 * time.Minute,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *Limit, def Limit) {
		if v.Max <= 0 || v.Window <= 0 {
			*v = def
		}
	}
	pick(&l.LoginPerAccount, d.LoginPerAccount)
	pick(&l.LoginPerIP, d.LoginPerIP)
	pick(&l.SignupPerAccount, d.SignupPerAccount)
	pick(&l.SignupPerIP, d.SignupPerIP)
	pick(&l.ResetPerAccount, d.ResetPerAccount)
	pick(&l.ResetPerIP, d.ResetPerIP)
	pick(&l.MagicPerAccount, d.MagicPerAccount)
	pick(&l.MagicPerIP, d.MagicPerIP)
	if l.FailureThreshold <= 0 {
		l.FailureThreshold = d.FailureThreshold
	}
	if l.MaxBlock <= 0 {
		l.MaxBlock = d.MaxBlock
	}
	return l
}

// lockRateRow makes sure the row for key exists and loads it, locked on
// PostgreSQL (SQLite transactions already hold the write lock).
func lockRateRow(ctx context.Context, tx bun.Tx, key string, now time.Time) (*RateLimit, error) {
	if _, err := tx.NewInsert().Model(&RateLimit{Key: key, WindowStart: now}).
		On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return nil, err
	}
	r := new(RateLimit)
	q := tx.NewSelect().Model(r).Where("key = ?", key)
	if database.IsPostgres(tx) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// hit counts one request against every (key, limit) pair and returns a
// *RateLimitError when any is exceeded or blocked. It counts against all
// keys even when one is over, so a blocked client keeps its counters.
func (s *Service) hit(ctx context.Context, checks map[string]Limit) error {
	return s.hitReserving(ctx, checks, "")
}

// hitReserving is hit that, when no limit stops the request, also records
// a failure on failKey in the same transaction (blocking it once failures
// pass the threshold, as fail does). The caller clears it with succeed when
// the attempt turns out right, so the check and the record are atomic.
func (s *Service) hitReserving(ctx context.Context, checks map[string]Limit, failKey string) error {
	now := s.clock()
	var wait time.Duration
	// Rows are locked in key order so two requests sharing keys cannot
	// deadlock on PostgreSQL.
	keys := slices.Sorted(maps.Keys(checks))
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		wait = 0
		var reserve *RateLimit
		for _, key := range keys {
			lim := checks[key]
			r, err := lockRateRow(ctx, tx, key, now)
			if err != nil {
				return err
			}
			if key == failKey {
				reserve = r
			}
			if !r.WindowStart.Add(lim.Window).After(now) {
				r.WindowStart, r.Count = now, 0
			}
			r.Count++
			if r.Count > lim.Max {
				wait = max(wait, r.WindowStart.Add(lim.Window).Sub(now))
			}
			if r.BlockedUntil != nil && r.BlockedUntil.After(now) {
				wait = max(wait, r.BlockedUntil.Sub(now))
			}
			if _, err := tx.NewUpdate().Model(r).Column("window_start", "count").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		if reserve == nil || wait > 0 {
			return nil
		}
		s.recordFailure(reserve, now)
		_, err := tx.NewUpdate().Model(reserve).Column("failures", "blocked_until").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if wait > 0 {
		return &RateLimitError{RetryAfter: roundUpSecond(wait)}
	}
	return nil
}

// fail records a failed attempt on key and blocks it for a growing time
// once failures pass the threshold.
func (s *Service) fail(ctx context.Context, key string) error {
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRateRow(ctx, tx, key, now)
		if err != nil {
			return err
		}
		s.recordFailure(r, now)
		_, err = tx.NewUpdate().Model(r).Column("failures", "blocked_until").WherePK().Exec(ctx)
		return err
	})
}

// recordFailure counts one failure on r and blocks it for a growing time
// once failures pass the threshold.
func (s *Service) recordFailure(r *RateLimit, now time.Time) {
	r.Failures++
	if over := r.Failures - s.limits.FailureThreshold; over > 0 {
		block := s.limits.MaxBlock
		if over < 30 {
			block = min(time.Duration(1<<over)*time.Second, s.limits.MaxBlock)
		}
		until := now.Add(block)
		r.BlockedUntil = &until
	}
}

// lift clears key entirely: failures, block and the attempts counted in
// its window (a password reset proved the account's owner is back).
func (s *Service) lift(ctx context.Context, key string) error {
	_, err := s.db.NewUpdate().Model((*RateLimit)(nil)).
		Set("failures = 0").Set("blocked_until = NULL").Set("count = 0").
		Where("key = ?", key).Exec(ctx)
	return err
}

// succeed clears the failures and any block on key after a good login.
func (s *Service) succeed(ctx context.Context, key string) error {
	_, err := s.db.NewUpdate().Model((*RateLimit)(nil)).
		Set("failures = 0").Set("blocked_until = NULL").
		Where("key = ?", key).Exec(ctx)
	return err
}

// blockedFor returns how long key is still blocked (0 when it is not).
func (s *Service) blockedFor(ctx context.Context, key string) (time.Duration, error) {
	r := new(RateLimit)
	err := s.db.NewSelect().Model(r).Where("key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if now := s.clock(); r.BlockedUntil != nil && r.BlockedUntil.After(now) {
		return roundUpSecond(r.BlockedUntil.Sub(now)), nil
	}
	return 0, nil
}

func roundUpSecond(d time.Duration) time.Duration {
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return max(d, time.Second)
}

// PruneRateLimits deletes counters whose window and block ended long ago.
func (s *Service) PruneRateLimits(ctx context.Context) error {
	cutoff := s.clock().Add(-24 * time.Hour)
	_, err := s.db.NewDelete().Model((*RateLimit)(nil)).
		Where("window_start < ?", cutoff).
		Where("blocked_until IS NULL OR blocked_until < ?", cutoff).Exec(ctx)
	return err
}

// RateLimit counts one request against every (key, limit) pair in the
// shared rate_limits table and returns a *RateLimitError when any is
// exceeded. Other domains use it for their own endpoints (workspace links
// and codes), prefixing keys with their name ("ws-link:ip:…").
func (s *Service) RateLimit(ctx context.Context, checks map[string]Limit) error {
	return s.hit(ctx, checks)
}
