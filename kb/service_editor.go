package kb

import (
	"context"
	"fmt"
)

// What the agent pages read besides articles and categories. The
// handlers ask the service; only the service touches the tables.

// StatusCounts counts articles per status.
func (s *Service) StatusCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Article)(nil)).
		ColumnExpr("status, COUNT(*) AS n").GroupExpr("status").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count articles: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// CategoryUsage counts, per category id, its articles (any status) and its
// sections.
func (s *Service) CategoryUsage(ctx context.Context) (articles, sections map[int64]int, err error) {
	var arts []struct {
		CategoryID int64 `bun:"category_id"`
		N          int   `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Article)(nil)).
		ColumnExpr("category_id, COUNT(*) AS n").Where("category_id IS NOT NULL").
		GroupExpr("category_id").Scan(ctx, &arts); err != nil {
		return nil, nil, fmt.Errorf("count articles per category: %w", err)
	}
	var secs []struct {
		ParentID int64 `bun:"parent_id"`
		N        int   `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Category)(nil)).
		ColumnExpr("parent_id, COUNT(*) AS n").Where("parent_id IS NOT NULL").
		GroupExpr("parent_id").Scan(ctx, &secs); err != nil {
		return nil, nil, fmt.Errorf("count sections: %w", err)
	}
	articles, sections = map[int64]int{}, map[int64]int{}
	for _, a := range arts {
		articles[a.CategoryID] = a.N
	}
	for _, s := range secs {
		sections[s.ParentID] = s.N
	}
	return articles, sections, nil
}

// AuthorNames returns display names for user ids, from accounts (see
// UserNames); without it, or for unknown ids, there is no name.
func (s *Service) AuthorNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	if s.users == nil || len(ids) == 0 {
		return map[int64]string{}, nil
	}
	return s.users.DisplayNames(ctx, ids)
}

// Report aggregates the search, feedback and view analytics over p.
func (s *Service) Report(ctx context.Context, p ReportPeriod, limit int) (*Report, error) {
	return BuildReport(ctx, s.db, p, limit)
}
