package app

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/kb"
)

// wireKBSearch adds the search synonyms (applied before the first
// request, kept in step with saves on other nodes by a worker, edited by
// admins on /agent/kb/synonyms) and the backfill of stored article HTML.
func (a *App) wireKBSearch(svc *kb.Service) error {
	sync := kb.NewSynonymSync(svc, 5*time.Second, a.Log)
	if err := sync.Sync(context.Background()); err != nil {
		return fmt.Errorf("knowledge-base synonyms: %w", err)
	}
	a.AddWorker("kb-synonyms", sync)
	// Articles saved before rendering was stored get their HTML in the
	// background (each is also rendered on its first view until then).
	a.AddWorker("kb-render-backfill", kb.NewRenderBackfill(svc, a.Log))
	kb.NewSynonymHandlers(svc).Mount(a.Fiber)
	return nil
}
