// Package files is the one file store every domain keeps its bytes in: KB
// attachments, ticket attachments, raw inbound mail, workspace files and
// their versions. Blobs are content-addressed by SHA-256, so the same file
// is stored once however often it is attached, and streamed in and out so
// memory never grows with a file's size.
//
// Two backends share one table of blobs (file_blobs), so existence and
// size are always answered by the database:
//
//   - database (the default): the bytes are split into 1 MiB rows of
//     file_chunks, which works unchanged on several nodes sharing one
//     PostgreSQL;
//   - directory (--files-dir): one file per blob under dir/ab/cd/<sha256>,
//     for installations that prefer the filesystem (a shared volume when
//     several nodes run).
//
// Domains keep their own rows (file name, content type, owner) and refer
// to a blob by its SHA-256. Blobs are never deleted by a domain: the same
// bytes may be referenced elsewhere.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// ChunkSize is the size of one stored row of bytes in the database backend.
const ChunkSize = 1 << 20

// ErrNotFound is returned by Open for a blob the store does not have.
var ErrNotFound = errors.New("file not found")

// ErrTooLarge is matched by errors.Is for every TooLargeError.
var ErrTooLarge = errors.New("file too large")

// TooLargeError says a stream went past the limit it was given; Put stops
// reading as soon as it does.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the file is larger than the limit of %s", FormatSize(e.Limit))
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Blob names stored bytes.
type Blob struct {
	SHA256 string
	Size   int64
}

// Store keeps blobs in the database or in a directory.
type Store struct {
	dir    string // "" = database backend
	tmpDir string // where uploads are spooled while hashed
}

// New returns a store keeping bytes in dir, or in the database when dir is
// empty. tmpDir holds uploads while they are hashed ("" = the system's).
func New(dir, tmpDir string) (*Store, error) {
	s := &Store{dir: dir, tmpDir: tmpDir}
	if dir != "" {
		if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
			return nil, fmt.Errorf("files dir: %w", err)
		}
		s.tmpDir = filepath.Join(dir, "tmp")
	}
	if s.tmpDir != "" {
		if err := os.MkdirAll(s.tmpDir, 0o750); err != nil {
			return nil, fmt.Errorf("files tmp dir: %w", err)
		}
	}
	return s, nil
}

type blobRow struct {
	bun.BaseModel `bun:"table:file_blobs"`
	SHA256        string    `bun:"sha256,pk"`
	Size          int64     `bun:"size"`
	Storage       string    `bun:"storage"`
	CreatedAt     time.Time `bun:"created_at"`
}

type chunkRow struct {
	bun.BaseModel `bun:"table:file_chunks"`
	SHA256        string `bun:"sha256,pk"`
	Seq           int    `bun:"seq,pk"`
	Data          []byte `bun:"data"`
}

// Put reads r to its end (at most max bytes; more is a *TooLargeError, and
// nothing is stored) and stores it once under its SHA-256. Pass the
// business operation's transaction as db so the blob row commits with the
// rows that refer to it. The bytes are spooled to a temporary file while
// they are hashed, so memory use does not depend on the size.
func (s *Store) Put(ctx context.Context, db bun.IDB, r io.Reader, max int64) (Blob, error) {
	// Most files (mail bodies, screenshots) fit one chunk: read that much
	// into a pooled buffer first and, when the stream ends within it, store
	// it without a temporary file. Larger streams continue to the spool.
	bp := smallBufs.Get().(*[]byte)
	defer smallBufs.Put(bp)
	buf := *bp
	k, err := io.ReadFull(io.LimitReader(r, max+1), buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if int64(k) > max {
			return Blob{}, &TooLargeError{Limit: max}
		}
		return s.putSmall(ctx, db, buf[:k])
	case err != nil:
		return Blob{}, fmt.Errorf("read upload: %w", err)
	}
	if int64(k) > max {
		return Blob{}, &TooLargeError{Limit: max}
	}
	r = io.MultiReader(bytes.NewReader(buf[:k]), r)
	tmp, err := os.CreateTemp(s.tmpDir, "upload-*")
	if err != nil {
		return Blob{}, fmt.Errorf("spool upload: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if err != nil {
		return Blob{}, fmt.Errorf("read upload: %w", err)
	}
	if n > max {
		return Blob{}, &TooLargeError{Limit: max}
	}
	b := Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	if fresh, err := s.claim(ctx, db, b); err != nil || !fresh {
		return b, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Blob{}, err
	}
	if s.dir != "" {
		return b, s.putFile(b.SHA256, tmp)
	}
	for seq := 0; ; seq++ {
		k, err := io.ReadFull(tmp, buf)
		if k > 0 {
			if err := insertChunk(ctx, db, b.SHA256, seq, buf[:k]); err != nil {
				return Blob{}, fmt.Errorf("store file: %w", err)
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return Blob{}, err
		}
	}
	return b, nil
}

// claim writes b's blob row, which goes first so chunks can reference
// it; false when the bytes are stored already, before or by a concurrent
// upload of the same bytes (ON CONFLICT makes that race harmless), and
// then the caller writes nothing more.
func (s *Store) claim(ctx context.Context, db bun.IDB, b Blob) (bool, error) {
	if ok, err := s.Exists(ctx, db, b.SHA256); err != nil || ok {
		return false, err
	}
	row := &blobRow{SHA256: b.SHA256, Size: b.Size, Storage: "db", CreatedAt: time.Now().UTC()}
	if s.dir != "" {
		row.Storage = "dir"
	}
	res, err := db.NewInsert().Model(row).On("CONFLICT (sha256) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store file: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// smallBufs hold one chunk each: Put's first read, and the buffer it
// copies the spool into chunk rows with.
var smallBufs = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// putSmall stores bytes that fit one chunk (Put's fast path).
func (s *Store) putSmall(ctx context.Context, db bun.IDB, data []byte) (Blob, error) {
	sum := sha256.Sum256(data)
	b := Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	if fresh, err := s.claim(ctx, db, b); err != nil || !fresh {
		return b, err
	}
	if s.dir != "" {
		return b, s.putFile(b.SHA256, bytes.NewReader(data))
	}
	if len(data) == 0 {
		return b, nil
	}
	if err := insertChunk(ctx, db, b.SHA256, 0, data); err != nil {
		return Blob{}, fmt.Errorf("store file: %w", err)
	}
	return b, nil
}

// PutBytes is Put for bytes already in memory (small generated files).
func (s *Store) PutBytes(ctx context.Context, db bun.IDB, data []byte) (Blob, error) {
	return s.Put(ctx, db, bytes.NewReader(data), int64(len(data)))
}

func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha[2:4], sha)
}

// putFile moves the spooled upload into place atomically (write to a
// temporary name, fsync, rename), so a crash never leaves half a file
// under a blob's name.
func (s *Store) putFile(sha string, src io.Reader) error {
	final := s.path(sha)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return err
	}
	out, err := os.CreateTemp(s.tmpDir, "blob-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(out.Name(), final)
}

// Exists reports whether the store holds the blob.
func (s *Store) Exists(ctx context.Context, db bun.IDB, sha string) (bool, error) {
	return db.NewSelect().Model((*blobRow)(nil)).Where("sha256 = ?", sha).Exists(ctx)
}

// Reader streams one blob; it can seek, so downloads answer Range
// requests without reading what comes before.
type Reader interface {
	io.ReadSeekCloser
	Size() int64
	SHA256() string
}

// Open returns a reader for the blob's bytes, or ErrNotFound.
func (s *Store) Open(ctx context.Context, db bun.IDB, sha string) (Reader, error) {
	var row blobRow
	err := db.NewSelect().Model(&row).Where("sha256 = ?", sha).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if row.Storage == "dir" {
		if s.dir == "" {
			return nil, fmt.Errorf("file %s is kept in a files directory, but no --files-dir is set", sha)
		}
		f, err := os.Open(s.path(sha))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("file %s is missing from %s: %w", sha, s.dir, ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		return &fileReader{File: f, size: row.Size, sha: sha}, nil
	}
	return &chunkReader{ctx: ctx, db: db, sha: sha, size: row.Size}, nil
}

// ReadAll returns a whole blob (for small files only: parsers, previews).
func (s *Store) ReadAll(ctx context.Context, db bun.IDB, sha string) ([]byte, error) {
	r, err := s.Open(ctx, db, sha)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

type fileReader struct {
	*os.File
	size int64
	sha  string
}

func (f *fileReader) Size() int64    { return f.size }
func (f *fileReader) SHA256() string { return f.sha }

// chunkReader reads a blob from file_chunks one chunk at a time. Put
// writes ChunkSize pieces, but a chunk may be of any length (bytes copied
// in by a migration are one chunk), so the reader first loads the length
// of each chunk and finds an offset's chunk from them.
type chunkReader struct {
	ctx    context.Context
	db     bun.IDB
	sha    string
	size   int64
	off    int64
	starts []int64 // offset of each chunk's first byte, by seq; nil until loaded
	seq    int     // chunk held in buf
	buf    []byte  // its bytes
	have   bool
}

func (r *chunkReader) Size() int64    { return r.size }
func (r *chunkReader) SHA256() string { return r.sha }
func (r *chunkReader) Close() error   { r.buf = nil; return nil }

// loadStarts reads the chunks' lengths (not their bytes).
func (r *chunkReader) loadStarts() error {
	var rows []struct {
		Seq int   `bun:"seq"`
		N   int64 `bun:"n"`
	}
	err := r.db.NewSelect().Model((*chunkRow)(nil)).ColumnExpr("seq, LENGTH(data) AS n").
		Where("sha256 = ?", r.sha).Order("seq").Scan(r.ctx, &rows)
	if err != nil {
		return err
	}
	var at int64
	r.starts = make([]int64, 0, len(rows))
	for i, c := range rows {
		if c.Seq != i {
			return fmt.Errorf("file %s: chunk %d missing: %w", r.sha, i, io.ErrUnexpectedEOF)
		}
		r.starts = append(r.starts, at)
		at += c.N
	}
	if at < r.size {
		return fmt.Errorf("file %s: %d of %d bytes stored: %w", r.sha, at, r.size, io.ErrUnexpectedEOF)
	}
	return nil
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.starts == nil {
		if err := r.loadStarts(); err != nil {
			return 0, err
		}
	}
	// The last chunk starting at or before off holds it.
	seq := sort.Search(len(r.starts), func(i int) bool { return r.starts[i] > r.off }) - 1
	if !r.have || r.seq != seq {
		var c chunkRow
		err := r.db.NewSelect().Model(&c).Where("sha256 = ? AND seq = ?", r.sha, seq).Scan(r.ctx)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return 0, fmt.Errorf("file %s: chunk %d missing: %w", r.sha, seq, io.ErrUnexpectedEOF)
			}
			return 0, err
		}
		r.buf, r.seq, r.have = c.Data, seq, true
	}
	start := int(r.off - r.starts[seq])
	if start >= len(r.buf) {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, r.buf[start:])
	r.off += int64(n)
	return n, nil
}

func (r *chunkReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.off + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("files: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("files: negative position")
	}
	r.off = abs
	return abs, nil
}

// FormatSize writes a byte count for people ("25 MB").
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Dir is the directory the store keeps bytes in, "" for the database.
func (s *Store) Dir() string { return s.dir }

// insertChunk writes one chunk. The bytes go to the driver as a bound
// parameter (modernc binds a blob, pgx sends bytea in binary): bun would
// format them into the SQL text as hex — twice the chunk, plus the
// server's parse of it — for every MiB of a large file.
func insertChunk(ctx context.Context, db bun.IDB, sha string, seq int, data []byte) error {
	q := "INSERT INTO file_chunks (sha256, seq, data) VALUES (?, ?, ?)"
	if db.Dialect().Name() == dialect.PG {
		q = "INSERT INTO file_chunks (sha256, seq, data) VALUES ($1, $2, $3)"
	}
	var err error
	switch x := db.(type) {
	case bun.Tx:
		_, err = x.Tx.ExecContext(ctx, q, sha, seq, data)
	case *bun.DB:
		_, err = x.DB.ExecContext(ctx, q, sha, seq, data)
	case bun.Conn:
		_, err = x.Conn.ExecContext(ctx, q, sha, seq, data)
	default:
		_, err = db.NewInsert().Model(&chunkRow{SHA256: sha, Seq: seq, Data: data}).Exec(ctx)
	}
	return err
}
