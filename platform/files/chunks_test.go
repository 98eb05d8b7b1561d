package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/files"
)

// storeChunks writes a blob the way a migration may: chunks of any length,
// not the ChunkSize pieces Put writes.
func storeChunks(t *testing.T, db *bun.DB, chunks ...[]byte) (string, []byte) {
	t.Helper()
	ctx := context.Background()
	all := bytes.Join(chunks, nil)
	sum := sha256.Sum256(all)
	sha := hex.EncodeToString(sum[:])
	if _, err := db.ExecContext(ctx, "INSERT INTO file_blobs (sha256, size, storage, created_at) VALUES (?, ?, 'db', ?)",
		sha, len(all), time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	for i, c := range chunks {
		if _, err := db.ExecContext(ctx, "INSERT INTO file_chunks (sha256, seq, data) VALUES (?, ?, ?)", sha, i, c); err != nil {
			t.Fatal(err)
		}
	}
	return sha, all
}

// TestReadChunksOfAnyLength reads blobs stored as one chunk larger than
// ChunkSize (what migration 0006 makes of an existing KB attachment) and
// as uneven chunks, whole and from a position inside a later piece, with
// either backend's store (a --files-dir store reads database blobs too).
func TestReadChunksOfAnyLength(t *testing.T) {
	eachStore(t, func(t *testing.T, db *bun.DB, s *files.Store) {
		ctx := context.Background()
		for _, tt := range []struct {
			name   string
			chunks [][]byte
		}{
			{"one large chunk", [][]byte{randomBytes(t, 2*files.ChunkSize+files.ChunkSize/2)}},
			{"uneven chunks", [][]byte{randomBytes(t, 10), randomBytes(t, files.ChunkSize+3), randomBytes(t, 7)}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				sha, want := storeChunks(t, db, tt.chunks...)
				got, err := s.ReadAll(ctx, db, sha)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("ReadAll = %d bytes, %v; want %d bytes", len(got), err, len(want))
				}
				r, err := s.Open(ctx, db, sha)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				at := int64(len(want)) - files.ChunkSize/2 - 5
				if _, err := r.Seek(at, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				rest, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(rest, want[at:]) {
					t.Fatalf("read from %d = %d bytes, %v; want %d bytes", at, len(rest), err, len(want)-int(at))
				}
			})
		}
	})
}

// TestReadMissingChunkFails: a blob whose stored chunks fall short of its
// size is an error, never a silently short file.
func TestReadMissingChunkFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s, err := files.New("", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		sha, _ := storeChunks(t, db, randomBytes(t, 100))
		if _, err := db.ExecContext(ctx, "UPDATE file_blobs SET size = 200 WHERE sha256 = ?", sha); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadAll(ctx, db, sha); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("ReadAll of a short blob = %v, want io.ErrUnexpectedEOF", err)
		}
	})
}
