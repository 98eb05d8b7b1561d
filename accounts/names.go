package accounts

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// DisplayNames returns how people are shown to other staff (their name,
// else their email), by user id; ids that do not exist are left out. Other
// domains (the KB's revision history, say) ask this instead of reading the
// users table themselves.
func (s *Service) DisplayNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := s.db.NewSelect().Model(&users).Column("id", "name", "email").
		Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("display names: %w", err)
	}
	for _, u := range users {
		if u.Name != "" {
			out[u.ID] = u.Name
		} else {
			out[u.ID] = u.Email
		}
	}
	return out, nil
}
