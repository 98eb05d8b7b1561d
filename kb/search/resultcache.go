package search

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
)

// DefaultResultCache is how many search results an Index keeps when
// Options.ResultCache is 0.
const DefaultResultCache = 2000

// resultCache is a bounded LRU of finished searches. Help-center queries
// repeat heavily (popular questions, and every as-you-type prefix is asked
// by many visitors), so most searches are answered without running bleve.
// Every index write bumps gen and drops everything: a published or
// unpublished article shows in the very next search. A result computed
// against an older generation is not stored.
type resultCache struct {
	max int // 0: disabled

	mu    sync.Mutex
	gen   uint64
	lru   *list.List // of *resultEntry, most recent first
	items map[string]*list.Element
}

type resultEntry struct {
	key string
	res Result
}

func newResultCache(max int) *resultCache {
	return &resultCache{max: max, lru: list.New(), items: map[string]*list.Element{}}
}

// resultKey identifies a search. The text is kept as asked (case and
// spacing shape the "did you mean" line and prefix matching); only what
// Search itself clamps is normalised.
func resultKey(text, category string, limit, offset int) string {
	var b strings.Builder
	b.Grow(len(text) + len(category) + 16)
	b.WriteString(strconv.Itoa(limit))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(offset))
	b.WriteByte(' ')
	b.WriteString(category)
	b.WriteByte(0)
	b.WriteString(text)
	return b.String()
}

// get returns a copy of the cached result for key (callers may modify
// its hits) and the current generation, to pass to put.
func (c *resultCache) get(key string) (Result, uint64, bool) {
	if c.max <= 0 {
		return Result{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return Result{}, c.gen, false
	}
	c.lru.MoveToFront(el)
	res := el.Value.(*resultEntry).res
	res.Hits = append([]Hit(nil), res.Hits...)
	return res, c.gen, true
}

// put stores res for key when no index write happened since gen was read.
func (c *resultCache) put(gen uint64, key string, res Result) {
	if c.max <= 0 {
		return
	}
	res.Hits = append([]Hit(nil), res.Hits...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if el, ok := c.items[key]; ok {
		el.Value.(*resultEntry).res = res
		c.lru.MoveToFront(el)
		return
	}
	c.items[key] = c.lru.PushFront(&resultEntry{key: key, res: res})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.items, old.Value.(*resultEntry).key)
	}
}

// invalidate drops every result; called after each index write.
func (c *resultCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.lru.Init()
	clear(c.items)
	c.mu.Unlock()
}

// len is the number of cached results.
func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// ResultStamp is the result cache's generation (it moves on every index
// write and synonym change) and whether the cache is on at all. A caller
// keeping something derived from search results (the portal keeps the
// rendered result lists) serves it only while the stamp is unchanged.
func (ix *Index) ResultStamp() (uint64, bool) {
	c := ix.results
	if c.max <= 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, true
}
