package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/platform/audit"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

// PerPage is the page size of every admin list.
const PerPage = 25

// ErrNotFound is returned when a user or organisation does not exist.
var ErrNotFound = errors.New("not found")

// Directory is the admin side of accounts: lists, counts and the changes
// admins make to users and organisations. It is part of the accounts
// service (the only writer of its tables); every change is audited in the
// same transaction.
type Directory struct{ db *bun.DB }

// NewDirectory returns the directory over db.
func NewDirectory(db *bun.DB) *Directory { return &Directory{db: db} }

// Directory returns the admin directory of the service.
func (s *Service) Directory() *Directory { return NewDirectory(s.db) }

// UserFilter narrows the users list.
type UserFilter struct {
	Q     string // substring of email or name, case-insensitive
	Role  string // "" for any
	OrgID int64  // 0 for any
	NoOrg bool   // only users without an organisation
	Page  int    // 1-based
}

// RoleCount is one line of the dashboard's users-by-role table.
type RoleCount struct {
	Role        string `bun:"role"`
	Active      int    `bun:"active"`
	Deactivated int    `bun:"deactivated"`
	Unverified  int    `bun:"unverified"`
}

// likePattern turns user input into a LIKE pattern matching it anywhere,
// with the wildcards it contains taken literally (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

func offset(page int) int64 {
	if page < 1 {
		page = 1
	}
	return int64(page-1) * PerPage
}

// CountUsersByRole counts users per role for the dashboard.
func (d *Directory) CountUsersByRole(ctx context.Context) ([]RoleCount, error) {
	db := d.db
	var rows []RoleCount
	err := db.NewSelect().Model((*User)(nil)).
		Column("role").
		ColumnExpr("SUM(CASE WHEN deactivated_at IS NULL THEN 1 ELSE 0 END) AS active").
		ColumnExpr("SUM(CASE WHEN deactivated_at IS NULL THEN 0 ELSE 1 END) AS deactivated").
		ColumnExpr("SUM(CASE WHEN verified_at IS NULL THEN 1 ELSE 0 END) AS unverified").
		Group("role").Order("role").
		Scan(ctx, &rows)
	return rows, err
}

// CountOrgs counts organisations.
func (d *Directory) CountOrgs(ctx context.Context) (int, error) {
	db := d.db
	n, err := db.NewSelect().Model((*Organization)(nil)).Count(ctx)
	return int(n), err
}

// ListUsers returns one page of users matching f (with their organisation)
// and whether another page follows.
func (d *Directory) ListUsers(ctx context.Context, f UserFilter) ([]User, bool, error) {
	db := d.db
	var users []User
	q := db.NewSelect().Model(&users).Relation("Org")
	if f.Q != "" {
		p := likePattern(f.Q)
		q = q.Where(`(LOWER(?TableAlias.email) LIKE ? ESCAPE '\' OR LOWER(?TableAlias.name) LIKE ? ESCAPE '\')`, p, p)
	}
	if f.Role != "" {
		q = q.Where("?TableAlias.role = ?", f.Role)
	}
	switch {
	case f.NoOrg:
		q = q.Where("?TableAlias.org_id IS NULL")
	case f.OrgID != 0:
		q = q.Where("?TableAlias.org_id = ?", f.OrgID)
	}
	err := q.OrderExpr("?TableAlias.email ASC").Limit(PerPage + 1).Offset(offset(f.Page)).Scan(ctx)
	more := len(users) > PerPage
	if more {
		users = users[:PerPage]
	}
	return users, more, err
}

// GetUser loads one user with its organisation.
func (d *Directory) GetUser(ctx context.Context, id int64) (*User, error) {
	db := d.db
	u := new(User)
	err := db.NewSelect().Model(u).Relation("Org").Where("?TableAlias.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// FindUserByEmail loads a user by email address (case-insensitive).
func (d *Directory) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	db := d.db
	u := new(User)
	err := db.NewSelect().Model(u).Where("LOWER(email) = ?", strings.ToLower(strings.TrimSpace(email))).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// CountSessions counts a user's live sessions.
func (d *Directory) CountSessions(ctx context.Context, userID int64) (int, error) {
	db := d.db
	n, err := db.NewSelect().Model((*Session)(nil)).
		Where("user_id = ?", userID).Where("expires_at > ?", time.Now().UTC()).Count(ctx)
	return int(n), err
}

// SetRole changes a user's role.
func setRole(ctx context.Context, db bun.IDB, userID int64, role identity.Role) error {
	_, err := db.NewUpdate().Model((*User)(nil)).
		Set("role = ?", role).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", userID).Exec(ctx)
	identityChanged()
	return err
}

// SetOrg moves a user into an organisation (nil: none).
func setOrg(ctx context.Context, db bun.IDB, userID int64, orgID *int64) error {
	_, err := db.NewUpdate().Model((*User)(nil)).
		Set("org_id = ?", orgID).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", userID).Exec(ctx)
	identityChanged()
	return err
}

// SetDeactivated deactivates (ending every session of the user) or
// reactivates a user.
func setDeactivated(ctx context.Context, db bun.IDB, userID int64, deactivate bool) error {
	now := time.Now().UTC()
	var at *time.Time
	if deactivate {
		at = &now
	}
	if _, err := db.NewUpdate().Model((*User)(nil)).
		Set("deactivated_at = ?", at).Set("updated_at = ?", now).
		Where("id = ?", userID).Exec(ctx); err != nil {
		return err
	}
	identityChanged()
	if !deactivate {
		return nil
	}
	_, err := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// OrgSummary is an organisation with its member count.
type OrgSummary struct {
	Organization `bun:",extend"`
	Members      int `bun:"members,scanonly"`
}

// ListOrgs returns one page of organisations (name order), optionally
// filtered by a substring of name or slug, and whether more follow.
func (d *Directory) ListOrgs(ctx context.Context, q string, page int) ([]OrgSummary, bool, error) {
	db := d.db
	var orgs []OrgSummary
	sel := db.NewSelect().Model(&orgs).Relation("Domains").
		ColumnExpr("?TableAlias.*").
		ColumnExpr("(SELECT COUNT(*) FROM users AS m WHERE m.org_id = ?TableAlias.id) AS members")
	if q != "" {
		p := likePattern(q)
		sel = sel.Where(`(LOWER(?TableAlias.name) LIKE ? ESCAPE '\' OR ?TableAlias.slug LIKE ? ESCAPE '\')`, p, p)
	}
	err := sel.OrderExpr("?TableAlias.name ASC").Limit(PerPage + 1).Offset(offset(page)).Scan(ctx)
	more := len(orgs) > PerPage
	if more {
		orgs = orgs[:PerPage]
	}
	return orgs, more, err
}

// AllOrgs returns every organisation's id and name, for select boxes.
func (d *Directory) AllOrgs(ctx context.Context) ([]Organization, error) {
	db := d.db
	var orgs []Organization
	err := db.NewSelect().Model(&orgs).Column("id", "name", "slug").Order("name").Limit(1000).Scan(ctx)
	return orgs, err
}

// GetOrg loads one organisation with its domains.
func (d *Directory) GetOrg(ctx context.Context, id int64) (*Organization, error) {
	db := d.db
	o := new(Organization)
	err := db.NewSelect().Model(o).Relation("Domains", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Order("domain")
	}).Where("?TableAlias.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return o, err
}

// OrgMembers lists an organisation's users.
func (d *Directory) OrgMembers(ctx context.Context, orgID int64) ([]User, error) {
	db := d.db
	var users []User
	err := db.NewSelect().Model(&users).Where("org_id = ?", orgID).Order("email").Limit(500).Scan(ctx)
	return users, err
}

// SlugTaken reports whether another organisation (not exceptID) uses slug.
func (d *Directory) SlugTaken(ctx context.Context, slug string, exceptID int64) (bool, error) {
	db := d.db
	return db.NewSelect().Model((*Organization)(nil)).
		Where("slug = ?", slug).Where("id <> ?", exceptID).Exists(ctx)
}

// DomainsTakenByOthers returns those of domains that belong to another
// organisation than orgID.
func (d *Directory) DomainsTakenByOthers(ctx context.Context, domains []string, orgID int64) ([]string, error) {
	db := d.db
	if len(domains) == 0 {
		return nil, nil
	}
	var taken []string
	err := db.NewSelect().Model((*OrganizationDomain)(nil)).Column("domain").
		Where("domain IN (?)", bun.In(domains)).Where("org_id <> ?", orgID).
		Order("domain").Scan(ctx, &taken)
	return taken, err
}

// SaveOrg inserts (ID 0) or updates o and replaces its domains.
func saveOrg(ctx context.Context, db bun.IDB, o *Organization, domains []string) error {
	now := time.Now().UTC()
	o.UpdatedAt = now
	if o.ID == 0 {
		o.CreatedAt = now
		if _, err := db.NewInsert().Model(o).Returning("id").Exec(ctx); err != nil {
			return err
		}
	} else if _, err := db.NewUpdate().Model(o).
		Column("name", "slug", "high_value", "members_see_all_tickets", "updated_at").
		WherePK().Exec(ctx); err != nil {
		return err
	}
	if _, err := db.NewDelete().Model((*OrganizationDomain)(nil)).Where("org_id = ?", o.ID).Exec(ctx); err != nil {
		return err
	}
	o.Domains = o.Domains[:0]
	for _, d := range domains {
		o.Domains = append(o.Domains, OrganizationDomain{OrgID: o.ID, Domain: d})
	}
	if len(o.Domains) > 0 {
		if _, err := db.NewInsert().Model(&o.Domains).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action   string // exact action, "" for any
	Actor    string // substring of the actor's email
	TargetID int64  // with TargetType, entries about one object
	Target   string
	Page     int
}

// ListAudit returns one page of audit entries, newest first, and whether
// more follow.
func (d *Directory) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	db := d.db
	return audit.List(ctx, db, audit.Filter{
		Action: f.Action, Actor: f.Actor, TargetType: f.Target, TargetID: f.TargetID,
		Limit: PerPage, Offset: int(offset(f.Page)),
	})
}

// AuditActions lists the distinct actions in the log, for the filter.
func (d *Directory) AuditActions(ctx context.Context) ([]string, error) {
	db := d.db
	return audit.Actions(ctx, db)
}

// SetRole changes a user's role and audits it (e says who and from where).
func (d *Directory) SetRole(ctx context.Context, userID int64, role identity.Role, e audit.Entry) error {
	defer identityChanged() // after the commit too: see sessioncache.go
	return d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := setRole(ctx, tx, userID, role); err != nil {
			return err
		}
		return audit.Write(ctx, tx, e)
	})
}

// SetOrg moves a user into an organisation (nil: none) and audits it.
func (d *Directory) SetOrg(ctx context.Context, userID int64, orgID *int64, e audit.Entry) error {
	defer identityChanged() // after the commit too: see sessioncache.go
	return d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := setOrg(ctx, tx, userID, orgID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, e)
	})
}

// SetDeactivated deactivates (ending every session) or reactivates a user
// and audits it.
func (d *Directory) SetDeactivated(ctx context.Context, userID int64, deactivate bool, e audit.Entry) error {
	defer identityChanged() // after the commit too: see sessioncache.go
	return d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := setDeactivated(ctx, tx, userID, deactivate); err != nil {
			return err
		}
		return audit.Write(ctx, tx, e)
	})
}

// SaveOrg inserts (ID 0) or updates o, replaces its domains and audits it;
// detail(o) describes the saved organisation for the audit row (its id is
// known only after the insert).
func (d *Directory) SaveOrg(ctx context.Context, o *Organization, domains []string, e audit.Entry) error {
	return d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := saveOrg(ctx, tx, o, domains); err != nil {
			return err
		}
		id := o.ID
		e.TargetID = &id
		return audit.Write(ctx, tx, e)
	})
}

// Audit records an admin action that changes nothing in accounts' tables
// (a resent verification, a settings change).
func (d *Directory) Audit(ctx context.Context, e audit.Entry) error {
	return audit.Write(ctx, d.db, e)
}
