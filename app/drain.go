package app

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// drainIdleGrace is how long, during shutdown, a keep-alive connection
// may sit idle before the server closes it. A busy client sends its next
// request well within it and is answered with "Connection: close", so it
// never writes a request onto a connection the server is closing. Closing
// an idle connection always races with a client that starts a request at
// that very moment (HTTP/1.1 has no way to announce it); the grace makes
// that a client that was quiet for a second, and browsers resend a
// request that failed on a reused connection.
const drainIdleGrace = time.Second

// Once shutdown began, the listener keeps accepting while connections
// keep arriving, up to drainAcceptWindow, and closes after
// drainAcceptQuiet without one: connections already queued in the kernel
// are served (with "Connection: close") instead of reset when it closes.
// (Go checks an expired accept deadline before it looks at the queue, so
// the deadline rolls forward by drainAcceptQuiet before every Accept.)
const (
	drainAcceptWindow = 250 * time.Millisecond
	drainAcceptQuiet  = 2 * time.Millisecond
)

// drainer lets Serve stop without any client seeing a request fail: while
// draining, every response says "Connection: close" and the connection is
// closed after it; connections that stay idle are closed after
// drainIdleGrace; fasthttp's own shutdown then waits for what is left.
// Without this, fasthttp closed keep-alive connections right after their
// response without saying so, and clients that reused them saw EOF or a
// reset (13 of 11,674 requests in a SIGTERM burst, 5 of them POSTs).
type drainer struct {
	draining atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]connState
}

type connState struct {
	state fasthttp.ConnState
	since time.Time
}

// newDrainer hooks into srv (Fiber's fasthttp server, before it serves).
func newDrainer(srv *fasthttp.Server) *drainer {
	d := &drainer{conns: map[net.Conn]connState{}}
	// Once fasthttp's own shutdown has begun, its responses say so too.
	srv.CloseOnShutdown = true
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		next(ctx)
		if d.draining.Load() {
			ctx.Response.Header.SetConnectionClose()
		}
	}
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, s fasthttp.ConnState) {
		d.track(c, s)
		if prev != nil {
			prev(c, s)
		}
	}
	return d
}

func (d *drainer) track(c net.Conn, s fasthttp.ConnState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch s {
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		delete(d.conns, c)
	default:
		d.conns[c] = connState{state: s, since: time.Now()}
	}
}

// drain answers whatever comes in on open connections with "Connection:
// close" until every connection is gone, closing the ones idle for longer
// than grace, or until ctx ends. It returns how many connections it
// closed while they were idle.
func (d *drainer) drain(ctx context.Context, grace time.Duration) int {
	d.draining.Store(true)
	closed := 0
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		now := time.Now()
		d.mu.Lock()
		for c, st := range d.conns {
			if (st.state == fasthttp.StateIdle || st.state == fasthttp.StateNew) && now.Sub(st.since) >= grace {
				_ = c.Close()
				delete(d.conns, c)
				closed++
			}
		}
		open := len(d.conns)
		d.mu.Unlock()
		if open == 0 {
			return closed
		}
		select {
		case <-ctx.Done():
			return closed
		case <-tick.C:
		}
	}
}

// drainListener stops accepting without resetting connections the kernel
// has already queued: after stop, Accept takes what is queued and what
// keeps arriving (see drainAcceptQuiet), then closes the listener.
type drainListener struct {
	net.Listener
	mu        sync.Mutex
	queued    []net.Conn // taken from the kernel's queue just before closing
	stopping  atomic.Bool
	until     atomic.Int64  // unix nanoseconds: stop accepting after this
	done      chan struct{} // closed when the last queued connection was handed out
	doneOnce  sync.Once
	closeOnce sync.Once
	closeErr  error
}

type deadliner interface{ SetDeadline(time.Time) error }

func (l *drainListener) Accept() (net.Conn, error) {
	if l.stopping.Load() {
		dl, ok := l.Listener.(deadliner)
		if !ok || time.Now().UnixNano() > l.until.Load() || dl.SetDeadline(time.Now().Add(drainAcceptQuiet)) != nil {
			return l.finish()
		}
	}
	c, err := l.Listener.Accept()
	if err != nil && l.stopping.Load() {
		// Nothing arrived for drainAcceptQuiet (a timeout), or closed.
		return l.finish()
	}
	return c, err
}

// finish closes the listener, first taking (without waiting) every
// connection still queued in the kernel: a busy machine may wake the
// accepting goroutine late, after more clients connected. It then hands
// those out one by one.
func (l *drainListener) finish() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeOnce.Do(func() {
		l.queued = acceptQueued(l.Listener)
		l.closeErr = l.Listener.Close()
		if errors.Is(l.closeErr, net.ErrClosed) {
			l.closeErr = nil
		}
	})
	if len(l.queued) > 0 {
		c := l.queued[0]
		l.queued = l.queued[1:]
		return c, nil
	}
	l.doneOnce.Do(func() { close(l.done) })
	return nil, net.ErrClosed
}

// accepted is closed once the listener is closed and every connection it
// accepted was handed to the server.
func (l *drainListener) accepted() <-chan struct{} { return l.done }

// stop begins the end of accepting (see drainListener).
func (l *drainListener) stop() {
	l.until.Store(time.Now().Add(drainAcceptWindow).UnixNano())
	l.stopping.Store(true)
	if dl, ok := l.Listener.(deadliner); !ok || dl.SetDeadline(time.Now().Add(drainAcceptQuiet)) != nil {
		// Cannot wake Accept with a deadline: close (fasthttp's Accept
		// then returns).
		_ = l.Close()
	}
}

// Close closes the listener (fasthttp's shutdown calls it after the drain
// has); connections taken from the queue and not yet handed out are
// closed.
func (l *drainListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeOnce.Do(func() {
		l.closeErr = l.Listener.Close()
		if errors.Is(l.closeErr, net.ErrClosed) {
			l.closeErr = nil
		}
	})
	for _, c := range l.queued {
		_ = c.Close()
	}
	l.queued = nil
	return l.closeErr
}
