package tickets_test

import (
	"time"

	"github.com/frontdesk/frontdesk/platform/changefeed"
	"github.com/frontdesk/frontdesk/tickets"
)

func newFollower(ix *tickets.Index, f *fixture) *changefeed.Follower[tickets.Doc] {
	return changefeed.New[tickets.Doc]("tickets-test", ix, tickets.NewSource(f.app.DB), time.Hour, nil)
}
