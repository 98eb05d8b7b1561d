package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// ErrOrgNotFound is returned when no organisation matches.
var ErrOrgNotFound = errors.New("organisation not found")

// OrgByName finds an organisation by its name (any case) or slug, for
// imports that name organisations the way people write them.
func (s *Service) OrgByName(ctx context.Context, name string) (*Organization, error) {
	name = strings.TrimSpace(name)
	o := new(Organization)
	err := s.db.NewSelect().Model(o).
		Where("LOWER(name) = ? OR slug = ?", strings.ToLower(name), strings.ToLower(name)).
		Order("id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrOrgNotFound
	}
	return o, err
}
