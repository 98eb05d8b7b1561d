package search

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// memSource is an in-memory kb database: published articles and the
// kb_changes log, written together like the real store does.
type memSource struct {
	mu        sync.Mutex
	published map[int64]Doc
	changes   []Change
}

func newMemSource() *memSource { return &memSource{published: map[int64]Doc{}} }

func (s *memSource) log(id int64) {
	s.changes = append(s.changes, Change{ID: int64(len(s.changes) + 1), ArticleID: id})
}

func (s *memSource) publish(d Doc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published[d.ID] = d
	s.log(d.ID)
}

func (s *memSource) unpublish(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.published, id)
	s.log(id)
}

func (s *memSource) ChangesSince(_ context.Context, after int64, limit int) ([]Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Change
	for _, c := range s.changes {
		if c.ID > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *memSource) Docs(_ context.Context, ids []int64) (map[int64]Doc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]Doc{}
	for _, id := range ids {
		if d, ok := s.published[id]; ok {
			out[id] = d
		}
	}
	return out, nil
}

func (s *memSource) AllDocs(_ context.Context, fn func(Doc) error) error {
	s.mu.Lock()
	docs := make([]Doc, 0, len(s.published))
	for _, d := range s.published {
		docs = append(docs, d)
	}
	s.mu.Unlock()
	for _, d := range docs {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) MaxChangeID(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.changes)), nil
}

func TestFollowerCatchUpAppliesChanges(t *testing.T) {
	ctx := context.Background()
	src := newMemSource()
	for _, d := range sampleDocs() {
		src.publish(d)
	}
	ix := openTest(t)
	f := NewFollower(ix, src, time.Second, nil)
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != uint64(len(sampleDocs())) {
		t.Fatalf("Count = %d after catch-up", n)
	}
	if n, _ := ix.LastChange(); n != int64(len(sampleDocs())) {
		t.Errorf("LastChange = %d", n)
	}

	// Edit one, unpublish another: both show after the next catch-up.
	d := sampleDocs()[0]
	d.Title = "Recover a locked account"
	src.publish(d)
	src.unpublish(2)
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if r := search(t, ix, Query{Text: "locked "}); !slices.Equal(slugs(r), []string{"reset-password"}) {
		t.Errorf("edited article: %v", slugs(r))
	}
	if r := search(t, ix, Query{Text: "pdf "}); len(r.Hits) != 0 {
		t.Errorf("unpublished article still found: %v", slugs(r))
	}
}

func TestFollowerCatchUpPagesThroughALongLog(t *testing.T) {
	src := newMemSource()
	for i := 0; i < changeBatch*2+10; i++ {
		d := sampleDocs()[i%len(sampleDocs())]
		src.publish(d)
	}
	ix := openTest(t)
	if err := NewFollower(ix, src, 0, nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.LastChange(); n != int64(changeBatch*2+10) {
		t.Errorf("LastChange = %d, want %d", n, changeBatch*2+10)
	}
}

// A crash between the database write and the index write leaves the
// index behind the log; the next start's CatchUp repairs it.
func TestFollowerRepairsAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := newMemSource()
	for _, d := range sampleDocs()[:3] {
		src.publish(d)
	}
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := NewFollower(ix, src, 0, nil).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_ = ix.Close()
	// Written to the database while the node was down.
	src.publish(sampleDocs()[3])
	src.unpublish(1)

	ix, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := NewFollower(ix, src, 0, nil).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if r := search(t, ix, Query{Text: "subscription "}); len(r.Hits) == 0 {
		t.Error("article published while down not found")
	}
	if r := search(t, ix, Query{Text: "password "}); len(r.Hits) != 0 {
		t.Errorf("article unpublished while down still found: %v", slugs(r))
	}
}

func TestFollowerRebuild(t *testing.T) {
	ctx := context.Background()
	src := newMemSource()
	for _, d := range sampleDocs() {
		src.publish(d)
	}
	src.unpublish(7)
	ix := openTest(t)
	if err := ix.Upsert(Doc{ID: 100, Slug: "stale", Title: "Stale article"}); err != nil {
		t.Fatal(err)
	}
	f := NewFollower(ix, src, 0, nil)
	if err := f.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if ix.NeedsRebuild() {
		t.Error("NeedsRebuild after Rebuild")
	}
	if n, _ := ix.Count(); n != uint64(len(sampleDocs())-1) {
		t.Errorf("Count = %d, want %d", n, len(sampleDocs())-1)
	}
	if r := search(t, ix, Query{Text: "stale "}); len(r.Hits) != 0 {
		t.Errorf("rebuild kept an article the database does not have: %v", slugs(r))
	}
	max, _ := src.MaxChangeID(ctx)
	if n, _ := ix.LastChange(); n != max {
		t.Errorf("LastChange = %d, want %d", n, max)
	}
	// Nothing pending afterwards; later changes still flow.
	src.publish(Doc{ID: 200, Slug: "new", Title: "Brand new guide"})
	if err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if r := search(t, ix, Query{Text: "brand "}); len(r.Hits) != 1 {
		t.Errorf("change after rebuild: %v", slugs(r))
	}
}

func TestFollowerRunFollowsNotify(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := newMemSource()
	ix := openTest(t)
	f := NewFollower(ix, src, time.Hour, nil)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	src.publish(sampleDocs()[0])
	f.Notify()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, _ := ix.Count(); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not apply the change after Notify")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
}

// TestFollowerLoadsMemory: a node restarting on an index already on disk
// searches through bleve until its follower has loaded the in-memory
// mirror, then from memory; a change written meanwhile is applied after
// the load, and both ways find it.
func TestFollowerLoadsMemory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	src := newMemSource()
	src.publish(Doc{ID: 1, Slug: "reset-password", Title: "Reset your password", Body: "Use the reset link we email you."})
	src.publish(Doc{ID: 2, Slug: "invoices", Title: "Download invoices", Body: "Invoices are under Billing."})
	ix, err := Open(dir, Options{ResultCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := NewFollower(ix, src, 10*time.Millisecond, nil).Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = Open(dir, Options{ResultCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.MemoryLoaded() || !ix.MemoryPending() {
		t.Fatal("a reopened index is not mirrored until its follower loads it")
	}
	first := func(q string) string {
		res, err := ix.Search(ctx, Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 {
			return ""
		}
		return res.Hits[0].Slug
	}
	if got := first("password"); got != "reset-password" {
		t.Fatalf("before the load (bleve): %q", got)
	}
	src.publish(Doc{ID: 3, Slug: "two-factor", Title: "Turn on two-factor sign-in", Body: "Scan the code with an authenticator app."})
	f := NewFollower(ix, src, 10*time.Millisecond, nil)
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	// The load reads the third article from the source, while bleve gets
	// it only when the follower applies its change: wait for both.
	caughtUp := func() bool {
		lag, err := f.Lag(ctx)
		return err == nil && lag == 0
	}
	deadline := time.Now().Add(30 * time.Second)
	for ix.MemoryPending() || first("authenticator") != "two-factor" || !caughtUp() {
		if time.Now().After(deadline) {
			t.Fatalf("mirror loaded %v, two-factor found %q", ix.MemoryLoaded(), first("authenticator"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !ix.MemoryLoaded() {
		t.Fatal("not loaded")
	}
	for _, q := range []string{"password", "invoices", "authenticator"} {
		mem := first(q)
		ix.SetBleveOnly(true)
		bl := first(q)
		ix.SetBleveOnly(false)
		if mem == "" || mem != bl {
			t.Errorf("%q: memory %q, bleve %q", q, mem, bl)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
