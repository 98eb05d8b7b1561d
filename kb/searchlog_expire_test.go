package kb

import (
	"testing"
	"time"
)

func TestSearchLoggerExpiresOldSearchesOnly(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := NewSearchLogger(nil, nil)
	l.now = func() time.Time { return now }
	old := l.Log("pass", 1, nil, 0)
	now = now.Add(30 * time.Second)
	typed := l.Log("invo", 1, nil, 0)
	now = now.Add(40 * time.Second) // old is 70 s old, typed 40 s

	l.expire(now)
	if len(l.recent) != 1 || len(l.order) != 1 {
		t.Fatalf("after expiry: %d recent, %d in order; want 1 and 1", len(l.recent), len(l.order))
	}
	if got := l.Log("password", 1, nil, old); got == old {
		t.Error("a search older than the refine window was refined")
	}
	if got := l.Log("invoice", 1, nil, typed); got != typed {
		t.Error("further typing within the window did not refine the search")
	}
}

func TestSearchIDsIncreaseAndStayJSONSafe(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := NewSearchLogger(nil, nil)
	l.now = func() time.Time { return now }
	prev := int64(0)
	for i := range 3000 { // more than one second's sequence numbers
		if i == 2000 {
			now = now.Add(time.Second) // the clock is behind the borrowed seconds
		}
		id := l.Log("q", 1, nil, 0)
		if id <= prev || id >= 1<<53 {
			t.Fatalf("search %d: id %d after %d (must increase and stay below 2^53)", i, id, prev)
		}
		prev = id
	}
}

func TestRecentSearchRelated(t *testing.T) {
	long := "how do i change the email address my invoices are sent to when the account owner has left the company"
	cases := []struct {
		prev, next string
		want       bool
	}{
		{"pass", "password", true},
		{"password", "pass", true}, // deleting letters refines too
		{"password", "password", true},
		{"", "invoice", true},
		{"password", "invoice", false},
		{"passwords", "passwort", false},
		{long[:60], long, true},
		{long, long + " last year", true},
		// Past recentHead bytes, queries that share their head count as
		// one question being typed.
		{long[:recentHead] + " company", long[:recentHead] + " team", true},
		{long, "why " + long, false},
	}
	for _, c := range cases {
		r := newRecent(c.prev, time.Now())
		if got := r.related(c.next); got != c.want {
			t.Errorf("related(%q, %q) = %v, want %v", c.prev, c.next, got, c.want)
		}
	}
}
