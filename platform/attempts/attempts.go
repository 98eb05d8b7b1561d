// Package attempts traces every attempt net/http's client makes for one
// request, the silent retries of a request on a reused connection
// included, so that a load driver or a test can tell a request the
// server received and never answered from one it never received. Used by
// the shutdown-drain test (app) and bench/keepalive.
package attempts

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// Attempt is one try at sending a request.
type Attempt struct {
	Reused   bool // on a kept-alive connection
	Wrote    bool // the whole request was written
	Answered bool // a response byte came back
}

// Trace records the attempts of one request.
type Trace struct {
	mu    sync.Mutex
	tries []Attempt
}

// Request returns req carrying a new Trace, and the Trace.
func Request(req *http.Request) (*http.Request, *Trace) {
	t := &Trace{}
	last := func() *Attempt {
		if len(t.tries) == 0 {
			return &Attempt{} // no connection yet: nothing to record
		}
		return &t.tries[len(t.tries)-1]
	}
	ct := &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			t.mu.Lock()
			t.tries = append(t.tries, Attempt{Reused: i.Reused})
			t.mu.Unlock()
		},
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			t.mu.Lock()
			if i.Err == nil {
				last().Wrote = true
			}
			t.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			t.mu.Lock()
			last().Answered = true
			t.mu.Unlock()
		},
	}
	ctx := req.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return req.WithContext(httptrace.WithClientTrace(ctx, ct)), t
}

// Lost returns the attempts the server received whole and never
// answered, given the error the client returned: every attempt but the
// last failed (that is why there was another), and the last failed only
// if err != nil.
func (t *Trace) Lost(err error) []Attempt {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lost []Attempt
	for k, a := range t.tries {
		if (k < len(t.tries)-1 || err != nil) && a.Wrote && !a.Answered {
			lost = append(lost, a)
		}
	}
	return lost
}

// Last returns the last attempt (the zero Attempt when none was made).
func (t *Trace) Last() Attempt {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.tries) == 0 {
		return Attempt{}
	}
	return t.tries[len(t.tries)-1]
}
