package kb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/web"
)

// reportDateLayout is the date format of the period form (input type=date).
const reportDateLayout = "2006-01-02"

// defaultReportDays is the period the report shows when none is chosen.
const defaultReportDays = 30

// maxReportDays bounds a period so one request cannot aggregate years.
const maxReportDays = 366

// reportLimit is how many rows each report table shows.
const reportLimit = 25

// ReportPeriod is a range of whole UTC days, From and To inclusive.
type ReportPeriod struct {
	From, To time.Time // midnight UTC
}

// Start is the first instant of the period.
func (p ReportPeriod) Start() time.Time { return p.From }

// End is the first instant after the period (exclusive bound).
func (p ReportPeriod) End() time.Time { return p.To.AddDate(0, 0, 1) }

// Days is the number of days in the period.
func (p ReportPeriod) Days() int { return int(p.End().Sub(p.From).Hours()/24 + 0.5) }

// DefaultReportPeriod is the last 30 days up to and including today (UTC).
func DefaultReportPeriod(now time.Time) ReportPeriod {
	to := truncateDay(now)
	return ReportPeriod{From: to.AddDate(0, 0, -(defaultReportDays - 1)), To: to}
}

func truncateDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ReportForm is the period picker: from and to as YYYY-MM-DD, either may
// be empty (the default period fills it in).
type ReportForm struct {
	From, To string
}

// Period validates the form and returns the period it chooses.
func (f ReportForm) Period(now time.Time) (ReportPeriod, web.FieldErrors) {
	p := DefaultReportPeriod(now)
	fe := web.FieldErrors{}
	var from, to time.Time
	if s := strings.TrimSpace(f.To); s != "" {
		t, err := time.Parse(reportDateLayout, s)
		if err != nil {
			fe.Add("to", "Enter the end date as YYYY-MM-DD.")
		} else {
			to = t
		}
	}
	if s := strings.TrimSpace(f.From); s != "" {
		t, err := time.Parse(reportDateLayout, s)
		if err != nil {
			fe.Add("from", "Enter the start date as YYYY-MM-DD.")
		} else {
			from = t
		}
	}
	if fe.Any() {
		return p, fe
	}
	switch {
	case from.IsZero() && to.IsZero():
		return p, fe
	case from.IsZero():
		p = ReportPeriod{From: to.AddDate(0, 0, -(defaultReportDays - 1)), To: to}
	case to.IsZero():
		p = ReportPeriod{From: from, To: p.To}
		if from.After(p.To) {
			p.To = from
		}
	default:
		p = ReportPeriod{From: from, To: to}
	}
	if p.From.After(p.To) {
		fe.Add("from", "The start date must be on or before the end date.")
	} else if p.Days() > maxReportDays {
		fe.Add("from", fmt.Sprintf("Choose a period of at most %d days.", maxReportDays))
	}
	return p, fe
}

// SearchStat is one normalised query with how often it was searched and
// how often a result was opened.
type SearchStat struct {
	Query      string `bun:"query"`
	Searches   int    `bun:"searches"`
	Clicks     int    `bun:"clicks"`
	AvgResults float64
	// ResultsSum is the sum of result counts (AvgResults = ResultsSum/Searches).
	ResultsSum int64 `bun:"results_sum"`
}

// ClickThrough is the share of searches after which a result was opened,
// as a whole percentage.
func (s SearchStat) ClickThrough() int {
	if s.Searches == 0 {
		return 0
	}
	return int(float64(s.Clicks)*100/float64(s.Searches) + 0.5)
}

// FailedSearch is a normalised query that found nothing.
type FailedSearch struct {
	Query    string    `bun:"query"`
	Searches int       `bun:"searches"`
	LastAt   time.Time `bun:"last_at"`
}

// FeedbackComment is a comment left with a "not helpful" vote.
type FeedbackComment struct {
	ArticleID int64     `bun:"article_id"`
	Comment   string    `bun:"comment"`
	At        time.Time `bun:"updated_at"`
}

// UnhelpfulArticle is an article with its votes in the period.
type UnhelpfulArticle struct {
	ID         int64  `bun:"id"`
	Title      string `bun:"title"`
	Slug       string `bun:"slug"`
	Status     string `bun:"status"`
	NotHelpful int    `bun:"not_helpful"`
	Helpful    int    `bun:"helpful"`
	Comments   []FeedbackComment
}

// ArticleViewStat is an article's views in the period.
type ArticleViewStat struct {
	ID     int64  `bun:"id"`
	Title  string `bun:"title"`
	Slug   string `bun:"slug"`
	Status string `bun:"status"`
	Views  int64  `bun:"views"`
}

// Report is what the knowledge base report page shows for one period.
type Report struct {
	Period          ReportPeriod
	TotalSearches   int
	FailedSearches  int
	ClickedSearches int
	TotalViews      int64
	TopSearches     []SearchStat
	NoResults       []FailedSearch
	Unhelpful       []UnhelpfulArticle
	Views           []ArticleViewStat
}

// commentsPerArticle is how many recent comments the report shows for each
// unhelpful article.
const commentsPerArticle = 3

// BuildReport aggregates search, feedback and view analytics over p. The
// SQL runs unchanged on SQLite and PostgreSQL: times are stored in UTC and
// compared with bound time.Time values, and the per-day view counts are
// compared with YYYY-MM-DD strings, which order correctly whether SQLite
// holds the day as a date or a timestamp.
func BuildReport(ctx context.Context, db bun.IDB, p ReportPeriod, limit int) (*Report, error) {
	if limit <= 0 {
		limit = reportLimit
	}
	r := &Report{Period: p}
	start, end := p.Start(), p.End()

	var totals struct {
		Total   int `bun:"total"`
		Failed  int `bun:"failed"`
		Clicked int `bun:"clicked"`
	}
	if err := db.NewSelect().TableExpr("kb_searches").
		ColumnExpr("COUNT(*) AS total").
		ColumnExpr("COALESCE(SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END), 0) AS failed").
		ColumnExpr("COALESCE(SUM(CASE WHEN clicked_article_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS clicked").
		Where("created_at >= ? AND created_at < ?", start, end).
		Scan(ctx, &totals); err != nil {
		return nil, fmt.Errorf("search totals: %w", err)
	}
	r.TotalSearches, r.FailedSearches, r.ClickedSearches = totals.Total, totals.Failed, totals.Clicked

	if err := db.NewSelect().TableExpr("kb_searches").
		ColumnExpr("normalized AS query").
		ColumnExpr("COUNT(*) AS searches").
		ColumnExpr("SUM(CASE WHEN clicked_article_id IS NOT NULL THEN 1 ELSE 0 END) AS clicks").
		ColumnExpr("SUM(results) AS results_sum").
		Where("created_at >= ? AND created_at < ?", start, end).
		Where("normalized <> ''").
		GroupExpr("normalized").
		OrderExpr("searches DESC, normalized ASC").
		Limit(int64(limit)).
		Scan(ctx, &r.TopSearches); err != nil {
		return nil, fmt.Errorf("top searches: %w", err)
	}
	for i := range r.TopSearches {
		s := &r.TopSearches[i]
		if s.Searches > 0 {
			s.AvgResults = float64(s.ResultsSum) / float64(s.Searches)
		}
	}

	if err := db.NewSelect().TableExpr("kb_searches").
		ColumnExpr("normalized AS query").
		ColumnExpr("COUNT(*) AS searches").
		ColumnExpr("MAX(created_at) AS last_at").
		Where("created_at >= ? AND created_at < ?", start, end).
		Where("results = 0").
		Where("normalized <> ''").
		GroupExpr("normalized").
		OrderExpr("searches DESC, last_at DESC, normalized ASC").
		Limit(int64(limit)).
		Scan(ctx, &r.NoResults); err != nil {
		return nil, fmt.Errorf("searches without results: %w", err)
	}

	// A vote counts in the period it was last cast or changed.
	if err := db.NewSelect().TableExpr("kb_feedback AS f").
		Join("JOIN kb_articles AS a ON a.id = f.article_id").
		ColumnExpr("a.id, a.title, a.slug, a.status").
		ColumnExpr("SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) AS not_helpful").
		ColumnExpr("SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END) AS helpful").
		Where("f.updated_at >= ? AND f.updated_at < ?", start, end).
		GroupExpr("a.id, a.title, a.slug, a.status").
		Having("SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) > 0").
		OrderExpr("not_helpful DESC, helpful ASC, a.title ASC").
		Limit(int64(limit)).
		Scan(ctx, &r.Unhelpful); err != nil {
		return nil, fmt.Errorf("unhelpful articles: %w", err)
	}
	if len(r.Unhelpful) > 0 {
		ids := make([]int64, len(r.Unhelpful))
		byID := make(map[int64]*UnhelpfulArticle, len(r.Unhelpful))
		for i := range r.Unhelpful {
			ids[i] = r.Unhelpful[i].ID
			byID[ids[i]] = &r.Unhelpful[i]
		}
		var comments []FeedbackComment
		if err := db.NewSelect().TableExpr("kb_feedback").
			Column("article_id", "comment", "updated_at").
			Where("article_id IN (?)", bun.In(ids)).
			Where("NOT helpful").
			Where("comment <> ''").
			Where("updated_at >= ? AND updated_at < ?", start, end).
			OrderExpr("updated_at DESC, id DESC").
			Scan(ctx, &comments); err != nil {
			return nil, fmt.Errorf("feedback comments: %w", err)
		}
		for _, c := range comments {
			if a := byID[c.ArticleID]; a != nil && len(a.Comments) < commentsPerArticle {
				a.Comments = append(a.Comments, c)
			}
		}
	}

	fromDay, endDay := start.Format(reportDateLayout), end.Format(reportDateLayout)
	if err := db.NewSelect().TableExpr("kb_article_views AS v").
		ColumnExpr("COALESCE(SUM(v.count), 0)").
		Where("v.day >= ? AND v.day < ?", fromDay, endDay).
		Scan(ctx, &r.TotalViews); err != nil {
		return nil, fmt.Errorf("total views: %w", err)
	}
	if err := db.NewSelect().TableExpr("kb_article_views AS v").
		Join("JOIN kb_articles AS a ON a.id = v.article_id").
		ColumnExpr("a.id, a.title, a.slug, a.status").
		ColumnExpr("SUM(v.count) AS views").
		Where("v.day >= ? AND v.day < ?", fromDay, endDay).
		GroupExpr("a.id, a.title, a.slug, a.status").
		OrderExpr("views DESC, a.title ASC").
		Limit(int64(limit)).
		Scan(ctx, &r.Views); err != nil {
		return nil, fmt.Errorf("views per article: %w", err)
	}
	return r, nil
}

// Deflection is how often the new-request form's article suggestions
// kept a customer from opening a ticket (the tickets domain records it).
type Deflection struct {
	Forms     int // request forms that showed suggestions
	Opened    int // of which an article was opened
	Submitted int // became a ticket
	Abandoned int // were left without sending
}

// Rate is the share of forms with a known outcome that were not sent:
// "63%", or "—" while no outcome is known.
func (d Deflection) Rate() string {
	known := d.Submitted + d.Abandoned
	if known == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", float64(d.Abandoned)/float64(known)*100)
}

// DeflectionSource answers the deflection figures for forms started in
// [from, to) (the tickets domain, wired in app).
type DeflectionSource interface {
	KBDeflection(ctx context.Context, from, to time.Time) (Deflection, error)
}

// ReportHandlers serve the knowledge base report to agents.
type ReportHandlers struct {
	svc        *Service
	now        func() time.Time
	deflection DeflectionSource
}

// NewReportHandlers builds the report handlers.
func NewReportHandlers(svc *Service) *ReportHandlers {
	return &ReportHandlers{svc: svc, now: time.Now}
}

// showReport renders /agent/kb/reports?from=&to= (default: last 30 days).
// A bad period re-renders the picker with messages (422) and the default
// period's figures, so the page is never empty.
func (h *ReportHandlers) showReport(c *fiber.Ctx) error {
	form := ReportForm{From: c.Query("from"), To: c.Query("to")}
	period, fe := form.Period(h.now())
	status := fiber.StatusOK
	if fe.Any() {
		status = fiber.StatusUnprocessableEntity
		period = DefaultReportPeriod(h.now())
	}
	rep, err := h.svc.Report(c.UserContext(), period, reportLimit)
	if err != nil {
		return err
	}
	var defl *Deflection
	if h.deflection != nil {
		d, err := h.deflection.KBDeflection(c.UserContext(), period.Start(), period.End())
		if err != nil {
			return err
		}
		defl = &d
	}
	if !fe.Any() {
		// Show the period actually reported, defaults filled in.
		form = ReportForm{From: period.From.Format(reportDateLayout), To: period.To.Format(reportDateLayout)}
	}
	return web.RenderStatus(c, status, "kb/agent_reports", "kb/_agent_reports", fiber.Map{
		"Title":      "Knowledge base report",
		"Form":       form,
		"Errors":     fe,
		"Report":     rep,
		"Deflection": defl,
		"Nav":        "reports",
	})
}
