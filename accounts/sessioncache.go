package accounts

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

// Every signed-in request resolves its session cookie to an identity. That
// was a session-and-user query per request, about half the CPU of an
// inbox poll answered from memory. The answer is kept for
// sessionCacheTTL per session:
//
//   - In this process, every write of this package that ends a session or
//     changes what an identity carries (logout, ending sessions,
//     deactivation, role, organisation, name, email, verification,
//     password) calls identityChanged, which empties the cache: the next
//     request reads the database.
//   - A change made by another node or process (the CLI) reaches this
//     node's requests within sessionCacheTTL.
//   - The sliding expiry still writes at most once a minute: an entry is
//     not used once its session is due for that write or has expired.
const sessionCacheTTL = 2 * time.Second

// identityEpoch moves with every identity change in this process; cached
// entries of an older epoch are not used.
var identityEpoch atomic.Uint64

// identityChanged empties every session cache of this process.
func identityChanged() { identityEpoch.Add(1) }

type cachedSession struct {
	id       identity.Identity
	epoch    uint64
	at       time.Time // when it was read
	expires  time.Time // the session's expiry
	lastSeen time.Time
}

type sessionCache struct {
	mu sync.RWMutex
	m  map[string]cachedSession
}

// sessionCacheMax bounds the entries; past it the cache starts over.
const sessionCacheMax = 10000

// get returns the cached identity for hash; now is the service clock (the
// session's expiry and touch), the entry's age is measured in real time.
func (c *sessionCache) get(hash string, now time.Time) (*identity.Identity, bool) {
	c.mu.RLock()
	e, ok := c.m[hash]
	c.mu.RUnlock()
	if !ok || e.epoch != identityEpoch.Load() || time.Since(e.at) >= sessionCacheTTL ||
		!now.Before(e.expires) || now.Sub(e.lastSeen) >= touchEvery || now.Before(e.lastSeen) {
		return nil, false
	}
	id := e.id // a copy: the request may not change the cached one
	return &id, true
}

// put keeps id for hash; epoch is identityEpoch as read before the
// database was.
func (c *sessionCache) put(hash string, id *identity.Identity, epoch uint64, expires, lastSeen time.Time) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= sessionCacheMax {
		c.m = make(map[string]cachedSession)
	}
	c.m[hash] = cachedSession{id: *id, epoch: epoch, at: time.Now(), expires: expires, lastSeen: lastSeen}
	c.mu.Unlock()
}
