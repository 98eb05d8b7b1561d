// Package settings stores the small key/value configuration admins edit in
// the UI (branding, feature switches). Reads are cached briefly so a hot
// page costs no query; on several nodes a change shows within the TTL.
package settings

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Setting is one row of the settings table.
type Setting struct {
	bun.BaseModel `bun:"table:settings"`
	Key           string    `bun:"key,pk"`
	Value         string    `bun:"value,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// Store reads and writes settings.
type Store struct {
	db  bun.IDB
	ttl time.Duration

	mu      sync.Mutex
	cache   map[string]string
	fetched time.Time
}

// New returns a store over db whose reads may be up to ttl old.
func New(db bun.IDB, ttl time.Duration) *Store {
	return &Store{db: db, ttl: ttl}
}

// All returns every setting, from cache when fresh.
func (s *Store) All(ctx context.Context) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache != nil && time.Since(s.fetched) < s.ttl {
		return s.cache, nil
	}
	var rows []Setting
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.Key] = r.Value
	}
	s.cache, s.fetched = m, time.Now()
	return m, nil
}

// Get returns the value of key, or def when it is unset or unreadable.
func (s *Store) Get(ctx context.Context, key, def string) string {
	m, err := s.All(ctx)
	if err != nil {
		return def
	}
	if v, ok := m[key]; ok {
		return v
	}
	return def
}

// Bool reads a "true"/"false" setting.
func (s *Store) Bool(ctx context.Context, key string, def bool) bool {
	switch s.Get(ctx, key, "") {
	case "true", "1", "on", "yes":
		return true
	case "false", "0", "off", "no":
		return false
	}
	return def
}

// Set writes several settings in one transaction and drops the cache.
func (s *Store) Set(ctx context.Context, values map[string]string) error {
	now := time.Now().UTC()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for k, v := range values {
			row := &Setting{Key: k, Value: v, UpdatedAt: now}
			if _, err := tx.NewInsert().Model(row).
				On("CONFLICT (key) DO UPDATE").
				Set("value = EXCLUDED.value").
				Set("updated_at = EXCLUDED.updated_at").
				Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
	return err
}

// Secret returns the random secret stored under key, creating it (size
// random bytes) the first time. Several nodes starting at once agree on
// one value: the first insert wins and everyone reads it back.
func (s *Store) Secret(ctx context.Context, key string, size int) ([]byte, error) {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	row := &Setting{Key: key, Value: hex.EncodeToString(b), UpdatedAt: time.Now().UTC()}
	if _, err := s.db.NewInsert().Model(row).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return nil, err
	}
	var stored Setting
	if err := s.db.NewSelect().Model(&stored).Where("key = ?", key).Scan(ctx); err != nil {
		return nil, err
	}
	secret, err := hex.DecodeString(stored.Value)
	if err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("settings: %s does not hold a usable secret", key)
	}
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
	return secret, nil
}
