package accounts

import (
	"context"
	"errors"
	"strings"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/database"
)

// FindOrCreateContact returns the user with email, creating a
// passwordless, unverified customer contact when there is none (someone
// who wrote in by email: no password is hashed; signing up with the
// address later claims the contact and its history). db is the caller's
// transaction, so the contact commits with what refers to it. A
// concurrent creation of the same address is answered with the winner.
func (s *Service) FindOrCreateContact(ctx context.Context, db bun.IDB, email, name string) (*User, error) {
	email = NormalizeEmail(email)
	if !ValidEmail(email) {
		return nil, errors.New("accounts: not an email address: " + email)
	}
	u, err := userByEmail(ctx, db, email)
	if err == nil || !errors.Is(err, ErrUserNotFound) {
		return u, err
	}
	now := s.clock()
	u = &User{
		Email: email, Name: strings.TrimSpace(name), Role: identity.RoleCustomer,
		NotifyTicketUpdates: true, CreatedAt: now, UpdatedAt: now,
	}
	if len(u.Name) > 200 {
		u.Name = u.Name[:200]
	}
	q := db.NewInsert().Model(u)
	if database.IsPostgres(db) {
		// Inside a transaction a unique violation would abort it; let the
		// other writer win instead and read its row.
		q = q.On("CONFLICT DO NOTHING")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		if database.IsUniqueViolation(err) {
			return userByEmail(ctx, db, email)
		}
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return userByEmail(ctx, db, email)
	}
	return u, nil
}

// UsersByIDs loads the users among ids, with their organisations.
func (s *Service) UsersByIDs(ctx context.Context, ids []int64) ([]User, error) {
	return s.UsersByIDsIn(ctx, s.db, ids)
}

// UsersByIDsIn is UsersByIDs inside the caller's transaction (a second
// connection could wait on the one the transaction holds).
func (s *Service) UsersByIDsIn(ctx context.Context, db bun.IDB, ids []int64) ([]User, error) {
	var us []User
	if len(ids) == 0 {
		return us, nil
	}
	err := db.NewSelect().Model(&us).Relation("Org").Where("?TableAlias.id IN (?)", bun.In(ids)).Scan(ctx)
	return us, err
}

// StaffUsers lists active agents and admins by name.
func (s *Service) StaffUsers(ctx context.Context) ([]User, error) {
	var us []User
	err := s.db.NewSelect().Model(&us).Where("role IN (?)", bun.In([]identity.Role{identity.RoleAgent, identity.RoleAdmin})).
		Where("deactivated_at IS NULL").Order("name", "email").Scan(ctx)
	return us, err
}

// OrganizationsByIDs loads the organisations among ids; all of them when
// ids is nil.
func (s *Service) OrganizationsByIDs(ctx context.Context, ids []int64) ([]Organization, error) {
	var os []Organization
	q := s.db.NewSelect().Model(&os).Order("name")
	if ids != nil {
		if len(ids) == 0 {
			return os, nil
		}
		q = q.Where("id IN (?)", bun.In(ids))
	}
	err := q.Scan(ctx)
	return os, err
}
