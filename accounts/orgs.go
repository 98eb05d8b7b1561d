package accounts

import (
	"context"
	"database/sql"
	"errors"
)

// OrgByID loads an organisation (other domains read organisations
// through this, e.g. workspaces checks the high-value flag).
func (s *Service) OrgByID(ctx context.Context, id int64) (*Organization, error) {
	o := new(Organization)
	err := s.db.NewSelect().Model(o).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrOrgNotFound
	}
	return o, err
}

// HighValueOrgs lists the organisations marked high-value, by name.
func (s *Service) HighValueOrgs(ctx context.Context) ([]Organization, error) {
	var out []Organization
	err := s.db.NewSelect().Model(&out).Where("high_value").Order("name").Limit(1000).Scan(ctx)
	return out, err
}
