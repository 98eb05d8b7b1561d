package search

import (
	"context"
	"runtime"
)

// gate admits as many uncached searches at once as the process has
// processors, in arrival order. A search is pure CPU work: running more
// of them at once than there are cores only interleaves them, and Go's
// scheduler interleaves unfairly (a goroutine woken by the network poller
// may run ahead of older ones), so under load a few searches waited
// several times the average. Queued in a channel, each waits for the
// ones that came before it and no more: at 64 connections on 2 cores the
// 99th-percentile latency of bench/kb-search.sh fell to about twice the
// median (see issue 9's note). Cached results never pass the gate.
type gate chan struct{}

func newGate() gate { return make(gate, max(1, runtime.GOMAXPROCS(0))) }

// enter waits for a slot (blocked senders of a channel are served first
// come, first served), or for ctx to end.
func (g gate) enter(ctx context.Context) error {
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

func (g gate) leave() { <-g }
