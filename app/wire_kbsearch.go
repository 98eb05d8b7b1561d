package app

import (
	"context"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/kb"
)

// wireKBSearch adds the search synonyms: the list is applied before the
// first request, kept in step with saves on other nodes by a worker, and
// edited by admins on /agent/kb/synonyms.
func (a *App) wireKBSearch(svc *kb.Service) error {
	sync := kb.NewSynonymSync(svc, 5*time.Second, a.Log)
	if err := sync.Sync(context.Background()); err != nil {
		return fmt.Errorf("knowledge-base synonyms: %w", err)
	}
	a.AddWorker("kb-synonyms", sync)
	kb.NewSynonymHandlers(svc).Mount(a.Fiber)
	return nil
}
