package changefeed

import (
	"context"
	"errors"
	"testing"
)

type memSource struct {
	docs    map[int64]string
	changes []Change
}

func (s *memSource) write(key int64, doc string) {
	if doc == "" {
		delete(s.docs, key)
	} else {
		s.docs[key] = doc
	}
	s.changes = append(s.changes, Change{ID: int64(len(s.changes) + 1), Key: key})
}

func (s *memSource) ChangesSince(_ context.Context, after int64, limit int) ([]Change, error) {
	var out []Change
	for _, c := range s.changes {
		if c.ID > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *memSource) Docs(_ context.Context, keys []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, k := range keys {
		if d, ok := s.docs[k]; ok {
			out[k] = d
		}
	}
	return out, nil
}

func (s *memSource) AllDocs(_ context.Context, fn func(string) error) error {
	for _, d := range s.docs {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *memSource) MaxChangeID(context.Context) (int64, error) { return int64(len(s.changes)), nil }

type memIndex struct {
	docs  map[int64]string
	last  int64
	fail  bool
	built []string
}

func (ix *memIndex) LastChange() (int64, error) { return ix.last, nil }

func (ix *memIndex) Apply(up map[int64]string, del []int64, last int64) error {
	if ix.fail {
		return errors.New("disk full")
	}
	for k, d := range up {
		ix.docs[k] = d
	}
	for _, k := range del {
		delete(ix.docs, k)
	}
	ix.last = last
	return nil
}

func (ix *memIndex) Rebuild(last int64, fill func(put func(string) error) error) error {
	ix.built = nil
	if err := fill(func(d string) error { ix.built = append(ix.built, d); return nil }); err != nil {
		return err
	}
	ix.last = last
	return nil
}

func TestCatchUpAppliesInBatchesAndRecordsPosition(t *testing.T) {
	src := &memSource{docs: map[int64]string{}}
	for i := int64(1); i <= 25; i++ {
		src.write(i%7, "doc")
	}
	src.write(3, "") // deleted at the end
	ix := &memIndex{docs: map[int64]string{}}
	f := New[string]("test", ix, src, 0, nil)
	f.Batch = 4
	if err := f.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ix.last != 26 || len(ix.docs) != 6 || ix.docs[3] != "" {
		t.Fatalf("index after catch-up: last %d docs %v", ix.last, ix.docs)
	}
	if lag, _ := f.Lag(context.Background()); lag != 0 {
		t.Fatalf("lag %d", lag)
	}
}

func TestFailedApplyKeepsThePosition(t *testing.T) {
	src := &memSource{docs: map[int64]string{}}
	src.write(1, "a")
	ix := &memIndex{docs: map[int64]string{}, fail: true}
	f := New[string]("test", ix, src, 0, nil)
	if err := f.CatchUp(context.Background()); err == nil {
		t.Fatal("want the index error")
	}
	if ix.last != 0 {
		t.Fatalf("position moved past an unapplied change: %d", ix.last)
	}
	ix.fail = false
	if err := f.CatchUp(context.Background()); err != nil || ix.docs[1] != "a" {
		t.Fatalf("retry: %v %v", err, ix.docs)
	}
}

func TestRebuildRecordsTheHeadReadBeforeTheScan(t *testing.T) {
	src := &memSource{docs: map[int64]string{}}
	src.write(1, "a")
	src.write(2, "b")
	ix := &memIndex{docs: map[int64]string{}}
	if err := New[string]("test", ix, src, 0, nil).Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ix.last != 2 || len(ix.built) != 2 {
		t.Fatalf("rebuild: last %d built %v", ix.last, ix.built)
	}
}
