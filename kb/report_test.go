package kb

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func day(s string) time.Time {
	t, err := time.Parse(reportDateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReportFormPeriod(t *testing.T) {
	now := time.Date(2026, 11, 22, 19, 30, 0, 0, time.UTC)
	tests := []struct {
		name       string
		form       ReportForm
		from, to   string
		errorField string
	}{
		{"default is the last 30 days", ReportForm{}, "2026-10-24", "2026-11-22", ""},
		{"both given", ReportForm{From: "2026-10-01", To: "2026-10-31"}, "2026-10-01", "2026-10-31", ""},
		{"one day", ReportForm{From: "2026-10-05", To: "2026-10-05"}, "2026-10-05", "2026-10-05", ""},
		{"only from runs to today", ReportForm{From: "2026-11-01"}, "2026-11-01", "2026-11-22", ""},
		{"only to goes 30 days back", ReportForm{To: "2026-10-30"}, "2026-10-01", "2026-10-30", ""},
		{"from after to", ReportForm{From: "2026-10-31", To: "2026-10-01"}, "", "", "from"},
		{"bad from", ReportForm{From: "yesterday", To: "2026-10-01"}, "", "", "from"},
		{"bad to", ReportForm{To: "2026-13-01"}, "", "", "to"},
		{"too long", ReportForm{From: "2024-01-01", To: "2026-01-01"}, "", "", "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, fe := tt.form.Period(now)
			if tt.errorField != "" {
				if fe[tt.errorField] == "" {
					t.Fatalf("want an error on %s, got %v (period %v)", tt.errorField, fe, p)
				}
				return
			}
			if fe.Any() {
				t.Fatalf("unexpected errors %v", fe)
			}
			if !p.From.Equal(day(tt.from)) || !p.To.Equal(day(tt.to)) {
				t.Fatalf("period %s..%s, want %s..%s", p.From.Format(reportDateLayout), p.To.Format(reportDateLayout), tt.from, tt.to)
			}
		})
	}
	if d := DefaultReportPeriod(now).Days(); d != 30 {
		t.Errorf("default period has %d days, want 30", d)
	}
}

// seedReport writes analytics rows around October 2026, with rows just
// outside the period on both sides that must not count.
func seedReport(t *testing.T, e *editorEnv) (a, b, c *Article) {
	t.Helper()
	ctx := context.Background()
	db := e.db
	a = e.createArticle("Reset your password", "x", StatusPublished, nil)
	b = e.createArticle("Download an invoice", "x", StatusPublished, nil)
	c = e.createArticle("Change your plan", "x", StatusDraft, nil)

	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	searches := []SearchLog{
		{Query: "reset password", Results: 5, ClickedArticleID: &a.ID, CreatedAt: at("2026-10-01 00:00:00")},
		{Query: "Reset  Password", Results: 5, ClickedArticleID: &a.ID, CreatedAt: at("2026-10-10 12:00:00")},
		{Query: "reset password?", Results: 4, CreatedAt: at("2026-10-31 23:59:59")},
		{Query: "reset password", Results: 5, CreatedAt: at("2026-11-01 00:00:00")}, // after
		{Query: "invoice", Results: 2, ClickedArticleID: &b.ID, CreatedAt: at("2026-10-15 09:00:00")},
		{Query: "refund crypto", Results: 0, CreatedAt: at("2026-10-03 08:00:00")},
		{Query: "Refund crypto", Results: 0, CreatedAt: at("2026-10-20 17:45:00")},
		{Query: "gdpr export", Results: 0, CreatedAt: at("2026-10-21 10:00:00")},
		{Query: "old failure", Results: 0, CreatedAt: at("2026-09-30 23:59:59")}, // before
	}
	for i := range searches {
		s := &searches[i]
		s.Normalized = NormalizeQuery(s.Query)
	}
	if _, err := db.NewInsert().Model(&searches).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	fb := func(art *Article, key string, helpful bool, comment, when string) Feedback {
		tm := at(when)
		return Feedback{ArticleID: art.ID, VoterKey: key, Helpful: helpful, Comment: comment, CreatedAt: tm, UpdatedAt: tm}
	}
	feedback := []Feedback{
		fb(a, "a:1", false, "The email never arrived", "2026-10-02 10:00:00"),
		fb(a, "a:2", false, "", "2026-10-05 10:00:00"),
		fb(a, "a:3", false, "Link expired too fast", "2026-10-25 10:00:00"),
		fb(a, "a:4", true, "great", "2026-10-26 10:00:00"),
		fb(a, "a:5", false, "Outside the period", "2026-11-02 10:00:00"),
		fb(b, "a:1", false, "", "2026-10-07 10:00:00"),
		fb(b, "a:2", true, "", "2026-10-08 10:00:00"),
		fb(b, "a:3", true, "", "2026-10-09 10:00:00"),
		fb(c, "a:1", true, "", "2026-10-09 10:00:00"),
	}
	if _, err := db.NewInsert().Model(&feedback).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	// Days the way RecordView writes them (YYYY-MM-DD strings)…
	for _, v := range []struct {
		id    int64
		day   string
		count int
	}{
		{a.ID, "2026-09-30", 7}, {a.ID, "2026-10-01", 10}, {a.ID, "2026-10-31", 5}, {a.ID, "2026-11-01", 100},
		{c.ID, "2026-10-12", 1},
	} {
		if _, err := db.NewRaw("INSERT INTO kb_article_views (article_id, day, count) VALUES (?, ?, ?)", v.id, v.day, v.count).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// …and the way the model would (time.Time), which SQLite stores as a
	// timestamp string: both must count.
	views := []ArticleViews{{ArticleID: b.ID, Day: day("2026-10-15"), Count: 20}, {ArticleID: b.ID, Day: day("2026-11-01"), Count: 50}}
	if _, err := db.NewInsert().Model(&views).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return a, b, c
}

func TestBuildReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		a, b, c := seedReport(t, e)
		p := ReportPeriod{From: day("2026-10-01"), To: day("2026-10-31")}
		r, err := BuildReport(context.Background(), db, p, 10)
		if err != nil {
			t.Fatal(err)
		}
		if r.TotalSearches != 7 || r.FailedSearches != 3 || r.ClickedSearches != 3 {
			t.Errorf("totals: %d searches, %d failed, %d clicked; want 7, 3, 3", r.TotalSearches, r.FailedSearches, r.ClickedSearches)
		}
		var top []string
		for _, s := range r.TopSearches {
			top = append(top, fmt.Sprintf("%s=%d/%d/%d%%", s.Query, s.Searches, s.Clicks, s.ClickThrough()))
		}
		if got, want := strings.Join(top, " "), "reset password=3/2/67% refund crypto=2/0/0% gdpr export=1/0/0% invoice=1/1/100%"; got != want {
			t.Errorf("top searches\n got %s\nwant %s", got, want)
		}
		if avg := r.TopSearches[0].AvgResults; avg < 4.66 || avg > 4.67 {
			t.Errorf("average results %.3f, want 4.667", avg)
		}
		if len(r.NoResults) != 2 || r.NoResults[0].Query != "refund crypto" || r.NoResults[0].Searches != 2 ||
			!r.NoResults[0].LastAt.Equal(time.Date(2026, 10, 20, 17, 45, 0, 0, time.UTC)) ||
			r.NoResults[1].Query != "gdpr export" {
			t.Errorf("no results: %+v", r.NoResults)
		}
		if len(r.Unhelpful) != 2 {
			t.Fatalf("unhelpful: %+v", r.Unhelpful)
		}
		ua := r.Unhelpful[0]
		if ua.ID != a.ID || ua.NotHelpful != 3 || ua.Helpful != 1 || len(ua.Comments) != 2 ||
			ua.Comments[0].Comment != "Link expired too fast" || ua.Comments[1].Comment != "The email never arrived" {
			t.Errorf("most unhelpful: %+v", ua)
		}
		if ub := r.Unhelpful[1]; ub.ID != b.ID || ub.NotHelpful != 1 || ub.Helpful != 2 || len(ub.Comments) != 0 {
			t.Errorf("second unhelpful: %+v", ub)
		}
		if r.TotalViews != 36 {
			t.Errorf("total views %d, want 36", r.TotalViews)
		}
		var views []string
		for _, v := range r.Views {
			views = append(views, fmt.Sprintf("%d=%d", v.ID, v.Views))
		}
		if got, want := strings.Join(views, " "), fmt.Sprintf("%d=20 %d=15 %d=1", b.ID, a.ID, c.ID); got != want {
			t.Errorf("views %s, want %s", got, want)
		}

		// A one-day period at the end boundary.
		r, err = BuildReport(context.Background(), db, ReportPeriod{From: day("2026-10-31"), To: day("2026-10-31")}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if r.TotalSearches != 1 || r.TotalViews != 5 || len(r.Unhelpful) != 0 {
			t.Errorf("31 Oct: %d searches, %d views, %d unhelpful; want 1, 5, 0", r.TotalSearches, r.TotalViews, len(r.Unhelpful))
		}
		// An empty period.
		r, err = BuildReport(context.Background(), db, ReportPeriod{From: day("2025-01-01"), To: day("2025-01-31")}, 10)
		if err != nil || r.TotalSearches != 0 || r.TotalViews != 0 || len(r.TopSearches)+len(r.NoResults)+len(r.Unhelpful)+len(r.Views) != 0 {
			t.Errorf("empty period: %+v %v", r, err)
		}
	})
}

func TestReportPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		seedReport(t, e)
		code, page := e.get("agent", "/agent/kb/reports?from=2026-10-01&to=2026-10-31")
		if code != http.StatusOK {
			t.Fatalf("report = %d", code)
		}
		doc := parseHTML(t, page)
		rowText := func(sel string) []string {
			var out []string
			doc.Find(sel + " tbody tr").Each(func(_ int, row *goquery.Selection) {
				var cells []string
				row.Children().Each(func(_ int, cell *goquery.Selection) {
					cells = append(cells, strings.Join(strings.Fields(cell.Text()), " "))
				})
				out = append(out, strings.Join(cells, " | "))
			})
			return out
		}
		if top := rowText("#kb-report-top"); len(top) != 4 || top[0] != "reset password | 3 | 67% (2) | 4.7" {
			t.Errorf("top searches rows %q", top)
		}
		if failed := rowText("#kb-report-failed"); len(failed) != 2 || !strings.HasPrefix(failed[0], "refund crypto | 2 | 20 Oct 2026") {
			t.Errorf("failed rows %q", failed)
		}
		if un := rowText("#kb-report-unhelpful"); len(un) != 2 || !strings.HasPrefix(un[0], "Reset your password | 3 | 1 |") || !strings.Contains(un[0], "Link expired too fast") {
			t.Errorf("unhelpful rows %q", un)
		}
		if views := rowText("#kb-report-views"); len(views) != 3 || views[0] != "Download an invoice | 20" || !strings.Contains(views[2], "draft") {
			t.Errorf("views rows %q", views)
		}
		if got := doc.Find("#report-from").AttrOr("value", ""); got != "2026-10-01" {
			t.Errorf("from field %q", got)
		}

		// htmx asks for the report alone.
		req, _ := http.NewRequest(http.MethodGet, "/agent/kb/reports?from=2026-10-31&to=2026-10-31", nil)
		resp := e.do("agent", req, true)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `id="kb-report"`) {
			t.Fatalf("htmx report = %d", resp.StatusCode)
		}

		// A bad period keeps the input, says what is wrong and falls back
		// to the default period.
		code, page = e.get("agent", "/agent/kb/reports?from=2026-10-31&to=2026-10-01")
		doc = parseHTML(t, page)
		if code != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#report-from-error").Text(), "on or before") ||
			doc.Find("#report-from").AttrOr("value", "") != "2026-10-31" || !strings.Contains(page, "Showing the last 30 days instead") {
			t.Errorf("bad period = %d:\n%s", code, doc.Find("#kb-report").Text())
		}
		// Without a period: the last 30 days, filled into the form.
		code, page = e.get("agent", "/agent/kb/reports")
		doc = parseHTML(t, page)
		if code != http.StatusOK || doc.Find("#report-to").AttrOr("value", "") != time.Now().UTC().Format(reportDateLayout) {
			t.Errorf("default report = %d, to=%q", code, doc.Find("#report-to").AttrOr("value", ""))
		}
	})
}

// BenchmarkBuildReport measures the report over a busy help center: 500
// articles, 100,000 searches and 20,000 votes spread over 90 days, and a
// view row per article per day. Run with
// go test ./kb -run XXX -bench BuildReport (PostgreSQL too when
// FRONTDESK_TEST_PG_URL is set).
func BenchmarkBuildReport(b *testing.B) {
	backends := []func(testing.TB) dbtest.Backend{dbtest.SQLite, dbtest.Postgres}
	for i, backend := range backends {
		name := []string{"sqlite", "postgres"}[i]
		b.Run(name, func(b *testing.B) {
			db := dbtest.Open(b, backend(b))
			seedReportBench(b, db)
			p := ReportPeriod{From: day("2026-09-01"), To: day("2026-09-30")}
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				r, err := BuildReport(ctx, db, p, reportLimit)
				if err != nil || r.TotalSearches == 0 {
					b.Fatalf("report: %v", err)
				}
			}
		})
	}
}

func seedReportBench(b *testing.B, db *bun.DB) {
	ctx := context.Background()
	start := day("2026-08-01")
	now := start
	arts := make([]Article, 500)
	for i := range arts {
		arts[i] = Article{Slug: fmt.Sprintf("article-%d", i), Title: fmt.Sprintf("Article %d", i), Status: StatusPublished, Revision: 1, CreatedAt: now, UpdatedAt: now}
	}
	if _, err := db.NewInsert().Model(&arts).Exec(ctx); err != nil {
		b.Fatal(err)
	}
	words := []string{"invoice", "password", "refund", "export", "api", "billing", "email", "ticket", "login", "plan"}
	const nSearches = 100_000
	batch := make([]SearchLog, 0, 2000)
	for i := range nSearches {
		q := words[i%len(words)] + " " + words[(i/7)%len(words)]
		s := SearchLog{Query: q, Normalized: q, Results: i % 6, CreatedAt: start.Add(time.Duration(i) * (90 * 24 * time.Hour / nSearches))}
		if i%3 == 0 {
			id := arts[i%len(arts)].ID
			s.ClickedArticleID = &id
		}
		batch = append(batch, s)
		if len(batch) == cap(batch) || i == nSearches-1 {
			if _, err := db.NewInsert().Model(&batch).Exec(ctx); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	fbs := make([]Feedback, 0, 2000)
	for i := range 20_000 {
		tm := start.Add(time.Duration(i) * (90 * 24 * time.Hour / 20_000))
		fbs = append(fbs, Feedback{ArticleID: arts[i%len(arts)].ID, VoterKey: fmt.Sprintf("a:%d", i), Helpful: i%3 != 0, Comment: "comment", CreatedAt: tm, UpdatedAt: tm})
		if len(fbs) == cap(fbs) {
			if _, err := db.NewInsert().Model(&fbs).Exec(ctx); err != nil {
				b.Fatal(err)
			}
			fbs = fbs[:0]
		}
	}
	for d := range 90 {
		dayStr := start.AddDate(0, 0, d).Format(reportDateLayout)
		rows := make([]string, 0, len(arts))
		for i, a := range arts {
			rows = append(rows, fmt.Sprintf("(%d, '%s', %d)", a.ID, dayStr, 1+i%17))
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO kb_article_views (article_id, day, count) VALUES "+strings.Join(rows, ",")); err != nil {
			b.Fatal(err)
		}
	}
}
