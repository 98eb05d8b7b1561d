package search

import (
	"context"
	"runtime"
)

// Gate admits as many uncached searches at once as the process has
// processors, in arrival order. A search is pure CPU work: running more
// of them at once than there are cores only interleaves them, and Go's
// scheduler interleaves unfairly (a goroutine woken by the network poller
// may run ahead of older ones), so under load a few searches waited
// several times the average. Queued in a channel, each waits for the
// ones that came before it and no more. Cached results never pass the
// gate. The index holds one for every caller (the API included); the
// portal's search handler holds its own around the search and the
// rendering of its result list (kb.Portal), which is the CPU work of an
// uncached request: with the gate around the search alone, at 64
// connections on 2 cores the rendering still interleaved and the 99th
// percentile of bench/kb-search.sh stayed at 3-4 times the median.
type Gate chan struct{}

func NewGate() Gate { return make(Gate, max(1, runtime.GOMAXPROCS(0))) }

// enter waits for a slot (blocked senders of a channel are served first
// come, first served), or for ctx to end.
func (g Gate) Enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	default:
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g Gate) Leave() { <-g }
