package kb

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/web"
)

// Synonym is one group of words or phrases the search treats alike
// ("log in, sign in, login").
type Synonym struct {
	bun.BaseModel `bun:"table:kb_synonyms"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Phrases   string    `bun:"phrases,notnull"` // comma-separated
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Limits of the synonym list.
const (
	maxSynonymGroups  = 500
	maxSynonymPhrase  = 60
	maxPhrasesInGroup = 20
)

// ParseSynonyms reads the synonym form: one group per line, its words or
// phrases separated by commas. Blank lines are skipped; a line with one
// phrase, an over-long phrase or too many lines is an error naming the
// line.
func ParseSynonyms(text string) ([][]string, web.FieldErrors) {
	fe := web.FieldErrors{}
	var groups [][]string
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var g []string
		seen := map[string]bool{}
		for _, p := range strings.Split(line, ",") {
			p = strings.ToLower(strings.Join(strings.Fields(p), " "))
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			if utf8.RuneCountInString(p) > maxSynonymPhrase {
				fe.Add("synonyms", fmt.Sprintf("Line %d: “%s…” is too long (%d characters at most).", n+1, string([]rune(p)[:20]), maxSynonymPhrase))
				return nil, fe
			}
			g = append(g, p)
		}
		switch {
		case len(g) < 2:
			fe.Add("synonyms", fmt.Sprintf("Line %d: list at least two words or phrases, separated by commas.", n+1))
			return nil, fe
		case len(g) > maxPhrasesInGroup:
			fe.Add("synonyms", fmt.Sprintf("Line %d: at most %d phrases in one group.", n+1, maxPhrasesInGroup))
			return nil, fe
		}
		groups = append(groups, g)
	}
	if len(groups) > maxSynonymGroups {
		fe.Add("synonyms", fmt.Sprintf("At most %d groups.", maxSynonymGroups))
		return nil, fe
	}
	return groups, fe
}

// FormatSynonyms writes groups the way the form shows them.
func FormatSynonyms(groups [][]string) string {
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(strings.Join(g, ", "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Synonyms returns the synonym groups in their saved order.
func (s *Service) Synonyms(ctx context.Context) ([][]string, error) {
	var rows []Synonym
	if err := s.db.NewSelect().Model(&rows).Column("id", "phrases").Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load synonyms: %w", err)
	}
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		var g []string
		for _, p := range strings.Split(r.Phrases, ",") {
			if p = strings.TrimSpace(p); p != "" {
				g = append(g, p)
			}
		}
		if len(g) >= 2 {
			out = append(out, g)
		}
	}
	return out, nil
}

// synonymsVersion changes whenever the list is saved (a save replaces
// every row, so the newest id and the count move).
func (s *Service) synonymsVersion(ctx context.Context) (string, error) {
	var maxID, n int64
	err := s.db.NewSelect().Model((*Synonym)(nil)).ColumnExpr("COALESCE(MAX(id), 0), COUNT(*)").Scan(ctx, &maxID, &n)
	return fmt.Sprintf("%d/%d", maxID, n), err
}

// SaveSynonyms replaces the synonym list with the form's text and applies
// it to this node's search at once (other nodes follow within seconds,
// see SynonymSync). Bad input comes back as field errors, nothing saved.
func (s *Service) SaveSynonyms(ctx context.Context, text string) ([][]string, error) {
	groups, fe := ParseSynonyms(text)
	if fe.Any() {
		return nil, fe
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Synonym)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return err
		}
		now := s.now()
		for _, g := range groups {
			if _, err := tx.NewInsert().Model(&Synonym{Phrases: strings.Join(g, ", "), UpdatedAt: now}).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save synonyms: %w", err)
	}
	s.applySynonyms(groups)
	return groups, nil
}

// synonymSetter is implemented by an index that expands synonyms.
type synonymSetter interface{ SetSynonyms([][]string) }

func (s *Service) applySynonyms(groups [][]string) {
	if ss, ok := s.index.(synonymSetter); ok {
		ss.SetSynonyms(groups)
	}
}

// SetSynonyms hands the synonym groups to the bleve index.
func (is IndexSearcher) SetSynonyms(groups [][]string) { is.Index.SetSynonyms(groups) }

// SynonymSync keeps this node's search using the saved synonym list: it
// applies the list at start and again whenever another node saves a new
// one (checked every interval).
type SynonymSync struct {
	svc      *Service
	interval time.Duration
	log      *slog.Logger
	version  string
}

// NewSynonymSync returns the worker.
func NewSynonymSync(svc *Service, interval time.Duration, log *slog.Logger) *SynonymSync {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SynonymSync{svc: svc, interval: interval, log: log}
}

// Sync applies the saved list when it changed since the last call.
func (w *SynonymSync) Sync(ctx context.Context) error {
	v, err := w.svc.synonymsVersion(ctx)
	if err != nil {
		return err
	}
	if v == w.version {
		return nil
	}
	groups, err := w.svc.Synonyms(ctx)
	if err != nil {
		return err
	}
	w.svc.applySynonyms(groups)
	w.version = v
	return nil
}

// Run syncs until ctx ends.
func (w *SynonymSync) Run(ctx context.Context) error {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		if err := w.Sync(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("kb synonyms", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
