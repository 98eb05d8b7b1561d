package files_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/files"
)

// eachStore runs fn on the database backend and on the directory backend,
// each on SQLite and PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, db *bun.DB, s *files.Store)) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Run("db", func(t *testing.T) {
			s, err := files.New("", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			fn(t, db, s)
		})
		t.Run("dir", func(t *testing.T) {
			s, err := files.New(t.TempDir(), "")
			if err != nil {
				t.Fatal(err)
			}
			fn(t, db, s)
		})
	})
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutOpenRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, db *bun.DB, s *files.Store) {
		ctx := context.Background()
		// Sizes around the chunk boundary and empty.
		for _, n := range []int{0, 1, files.ChunkSize - 1, files.ChunkSize, 3*files.ChunkSize + 17} {
			data := randomBytes(t, n)
			b, err := s.Put(ctx, db, bytes.NewReader(data), 10<<20)
			if err != nil {
				t.Fatalf("put %d bytes: %v", n, err)
			}
			if b.Size != int64(n) || len(b.SHA256) != 64 {
				t.Fatalf("blob = %+v for %d bytes", b, n)
			}
			got, err := s.ReadAll(ctx, db, b.SHA256)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes: err %v, equal %v", n, err, bytes.Equal(got, data))
			}
		}
		if _, err := s.Open(ctx, db, strings.Repeat("0", 64)); !errors.Is(err, files.ErrNotFound) {
			t.Fatalf("open missing = %v, want ErrNotFound", err)
		}
	})
}

func TestSameBytesStoredOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, db *bun.DB, s *files.Store) {
		ctx := context.Background()
		data := randomBytes(t, 2*files.ChunkSize+5)
		sha := sha256Hex(data)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Put(ctx, db, bytes.NewReader(data), 10<<20)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent put: %v", err)
			}
		}
		var blobs, chunks int
		if err := db.NewRaw("SELECT COUNT(*) FROM file_blobs WHERE sha256 = ?", sha).Scan(ctx, &blobs); err != nil {
			t.Fatal(err)
		}
		if err := db.NewRaw("SELECT COUNT(*) FROM file_chunks WHERE sha256 = ?", sha).Scan(ctx, &chunks); err != nil {
			t.Fatal(err)
		}
		wantChunks := 3
		if s.Dir() != "" {
			wantChunks = 0
		}
		if blobs != 1 || chunks != wantChunks {
			t.Fatalf("blobs %d chunks %d, want 1 and %d", blobs, chunks, wantChunks)
		}
	})
}

// A stream past the limit is refused without being read to its end, and
// nothing is stored.
func TestPutRefusesTooLargeWhileStreaming(t *testing.T) {
	eachStore(t, func(t *testing.T, db *bun.DB, s *files.Store) {
		ctx := context.Background()
		src := &countingReader{r: io.LimitReader(zeros{}, 1<<30)}
		_, err := s.Put(ctx, db, src, 2<<20)
		var tl *files.TooLargeError
		if !errors.As(err, &tl) || !errors.Is(err, files.ErrTooLarge) || tl.Limit != 2<<20 {
			t.Fatalf("err = %v, want TooLargeError{2 MiB}", err)
		}
		if !strings.Contains(err.Error(), "2 MB") {
			t.Fatalf("error %q does not name the limit", err)
		}
		if src.n > 2<<20+1 {
			t.Fatalf("read %d bytes of a 1 GiB stream; should stop just past the limit", src.n)
		}
		var blobs int
		if err := db.NewRaw("SELECT COUNT(*) FROM file_blobs").Scan(ctx, &blobs); err != nil || blobs != 0 {
			t.Fatalf("blobs = %d (%v), want 0", blobs, err)
		}
	})
}

// A blob written inside a rolled-back transaction is gone with it.
func TestPutFollowsTheTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s, _ := files.New("", t.TempDir())
		var sha string
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			b, err := s.PutBytes(ctx, tx, []byte("rolled back"))
			sha = b.SHA256
			if err != nil {
				return err
			}
			return errors.New("abort")
		})
		if err == nil || err.Error() != "abort" {
			t.Fatal(err)
		}
		if ok, err := s.Exists(ctx, db, sha); err != nil || ok {
			t.Fatalf("exists after rollback = %v, %v", ok, err)
		}
	})
}

func TestServeRangesAndHeaders(t *testing.T) {
	eachStore(t, func(t *testing.T, db *bun.DB, s *files.Store) {
		ctx := context.Background()
		data := randomBytes(t, files.ChunkSize+1000)
		b, err := s.Put(ctx, db, bytes.NewReader(data), 10<<20)
		if err != nil {
			t.Fatal(err)
		}
		app := fiber.New()
		app.Get("/f", func(c *fiber.Ctx) error {
			r, err := s.Open(c.UserContext(), db, b.SHA256)
			if err != nil {
				return err
			}
			return files.Serve(c, r, "report\r\nSet-Cookie: x=1 über.pdf", "application/pdf", true)
		})
		get := func(hdr map[string]string) (status int, h map[string]string, body []byte) {
			req := httptest.NewRequest("GET", "/f", nil)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ = io.ReadAll(resp.Body)
			h = map[string]string{}
			for k := range resp.Header {
				h[k] = resp.Header.Get(k)
			}
			return resp.StatusCode, h, body
		}
		st, h, body := get(nil)
		if st != 200 || !bytes.Equal(body, data) {
			t.Fatalf("full: status %d, %d bytes", st, len(body))
		}
		if h["X-Content-Type-Options"] != "nosniff" || !strings.HasPrefix(h["Content-Disposition"], "attachment;") {
			t.Fatalf("headers: %v", h)
		}
		if strings.ContainsAny(h["Content-Disposition"], "\r\n") || h["Set-Cookie"] != "" {
			t.Fatalf("file name split the headers: %q", h["Content-Disposition"])
		}
		// A range across the chunk boundary.
		from, to := files.ChunkSize-10, files.ChunkSize+20
		st, h, body = get(map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", from, to)})
		if st != 206 || !bytes.Equal(body, data[from:to+1]) {
			t.Fatalf("range: status %d, %d bytes", st, len(body))
		}
		if h["Content-Range"] != fmt.Sprintf("bytes %d-%d/%d", from, to, len(data)) {
			t.Fatalf("Content-Range %q", h["Content-Range"])
		}
		st, _, body = get(map[string]string{"Range": "bytes=-100"})
		if st != 206 || !bytes.Equal(body, data[len(data)-100:]) {
			t.Fatalf("suffix range: status %d", st)
		}
		if st, _, _ = get(map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data)+5)}); st != 416 {
			t.Fatalf("unsatisfiable range: status %d, want 416", st)
		}
		if st, _, _ = get(map[string]string{"If-None-Match": `"` + b.SHA256 + `"`}); st != 304 {
			t.Fatalf("conditional: status %d, want 304", st)
		}
	})
}

func TestDirBackendWritesOneFilePerBlob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		dir := t.TempDir()
		s, err := files.New(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.PutBytes(context.Background(), db, []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, b.SHA256[:2], b.SHA256[2:4], b.SHA256)
		if got, err := os.ReadFile(p); err != nil || string(got) != "hello" {
			t.Fatalf("%s: %q %v", p, got, err)
		}
		// A store without the directory cannot serve it, and says why.
		s2, _ := files.New("", t.TempDir())
		if _, err := s2.Open(context.Background(), db, b.SHA256); err == nil || !strings.Contains(err.Error(), "files-dir") {
			t.Fatalf("open without dir: %v", err)
		}
	})
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":       "passwd",
		`C:\Users\me\a.txt`:      "a.txt",
		"a\r\nb\x00.txt":         "ab.txt",
		"":                       "file",
		"..":                     "file",
		strings.Repeat("é", 200): strings.Repeat("é", 127),
	} {
		if got := files.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
