package admin

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/platform/audit"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
)

// PerPage is the page size of every admin list.
const PerPage = 25

// ErrNotFound is returned when a user or organisation does not exist.
var ErrNotFound = errors.New("not found")

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
func CountUsersByRole(ctx context.Context, db bun.IDB) ([]RoleCount, error) {
	var rows []RoleCount
	err := db.NewSelect().Model((*accounts.User)(nil)).
		Column("role").
		ColumnExpr("SUM(CASE WHEN deactivated_at IS NULL THEN 1 ELSE 0 END) AS active").
		ColumnExpr("SUM(CASE WHEN deactivated_at IS NULL THEN 0 ELSE 1 END) AS deactivated").
		ColumnExpr("SUM(CASE WHEN verified_at IS NULL THEN 1 ELSE 0 END) AS unverified").
		Group("role").Order("role").
		Scan(ctx, &rows)
	return rows, err
}

// CountOrgs counts organisations.
func CountOrgs(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*accounts.Organization)(nil)).Count(ctx)
	return int(n), err
}

// ListUsers returns one page of users matching f (with their organisation)
// and whether another page follows.
func ListUsers(ctx context.Context, db bun.IDB, f UserFilter) ([]accounts.User, bool, error) {
	var users []accounts.User
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
func GetUser(ctx context.Context, db bun.IDB, id int64) (*accounts.User, error) {
	u := new(accounts.User)
	err := db.NewSelect().Model(u).Relation("Org").Where("?TableAlias.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// FindUserByEmail loads a user by email address (case-insensitive).
func FindUserByEmail(ctx context.Context, db bun.IDB, email string) (*accounts.User, error) {
	u := new(accounts.User)
	err := db.NewSelect().Model(u).Where("LOWER(email) = ?", strings.ToLower(strings.TrimSpace(email))).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// CountSessions counts a user's live sessions.
func CountSessions(ctx context.Context, db bun.IDB, userID int64) (int, error) {
	n, err := db.NewSelect().Model((*accounts.Session)(nil)).
		Where("user_id = ?", userID).Where("expires_at > ?", time.Now().UTC()).Count(ctx)
	return int(n), err
}

// SetRole changes a user's role.
func SetRole(ctx context.Context, db bun.IDB, userID int64, role identity.Role) error {
	_, err := db.NewUpdate().Model((*accounts.User)(nil)).
		Set("role = ?", role).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", userID).Exec(ctx)
	return err
}

// SetOrg moves a user into an organisation (nil: none).
func SetOrg(ctx context.Context, db bun.IDB, userID int64, orgID *int64) error {
	_, err := db.NewUpdate().Model((*accounts.User)(nil)).
		Set("org_id = ?", orgID).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", userID).Exec(ctx)
	return err
}

// SetDeactivated deactivates (ending every session of the user) or
// reactivates a user.
func SetDeactivated(ctx context.Context, db bun.IDB, userID int64, deactivate bool) error {
	now := time.Now().UTC()
	var at *time.Time
	if deactivate {
		at = &now
	}
	if _, err := db.NewUpdate().Model((*accounts.User)(nil)).
		Set("deactivated_at = ?", at).Set("updated_at = ?", now).
		Where("id = ?", userID).Exec(ctx); err != nil {
		return err
	}
	if !deactivate {
		return nil
	}
	_, err := db.NewDelete().Model((*accounts.Session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// OrgSummary is an organisation with its member count.
type OrgSummary struct {
	accounts.Organization `bun:",extend"`
	Members               int `bun:"members,scanonly"`
}

// ListOrgs returns one page of organisations (name order), optionally
// filtered by a substring of name or slug, and whether more follow.
func ListOrgs(ctx context.Context, db bun.IDB, q string, page int) ([]OrgSummary, bool, error) {
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
func AllOrgs(ctx context.Context, db bun.IDB) ([]accounts.Organization, error) {
	var orgs []accounts.Organization
	err := db.NewSelect().Model(&orgs).Column("id", "name", "slug").Order("name").Limit(1000).Scan(ctx)
	return orgs, err
}

// GetOrg loads one organisation with its domains.
func GetOrg(ctx context.Context, db bun.IDB, id int64) (*accounts.Organization, error) {
	o := new(accounts.Organization)
	err := db.NewSelect().Model(o).Relation("Domains", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Order("domain")
	}).Where("?TableAlias.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return o, err
}

// OrgMembers lists an organisation's users.
func OrgMembers(ctx context.Context, db bun.IDB, orgID int64) ([]accounts.User, error) {
	var users []accounts.User
	err := db.NewSelect().Model(&users).Where("org_id = ?", orgID).Order("email").Limit(500).Scan(ctx)
	return users, err
}

// SlugTaken reports whether another organisation (not exceptID) uses slug.
func SlugTaken(ctx context.Context, db bun.IDB, slug string, exceptID int64) (bool, error) {
	return db.NewSelect().Model((*accounts.Organization)(nil)).
		Where("slug = ?", slug).Where("id <> ?", exceptID).Exists(ctx)
}

// DomainsTakenByOthers returns those of domains that belong to another
// organisation than orgID.
func DomainsTakenByOthers(ctx context.Context, db bun.IDB, domains []string, orgID int64) ([]string, error) {
	if len(domains) == 0 {
		return nil, nil
	}
	var taken []string
	err := db.NewSelect().Model((*accounts.OrganizationDomain)(nil)).Column("domain").
		Where("domain IN (?)", bun.In(domains)).Where("org_id <> ?", orgID).
		Order("domain").Scan(ctx, &taken)
	return taken, err
}

// SaveOrg inserts (ID 0) or updates o and replaces its domains.
func SaveOrg(ctx context.Context, db bun.IDB, o *accounts.Organization, domains []string) error {
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
	if _, err := db.NewDelete().Model((*accounts.OrganizationDomain)(nil)).Where("org_id = ?", o.ID).Exec(ctx); err != nil {
		return err
	}
	o.Domains = o.Domains[:0]
	for _, d := range domains {
		o.Domains = append(o.Domains, accounts.OrganizationDomain{OrgID: o.ID, Domain: d})
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
func ListAudit(ctx context.Context, db bun.IDB, f AuditFilter) ([]accounts.AuditEntry, bool, error) {
	return audit.List(ctx, db, audit.Filter{
		Action: f.Action, Actor: f.Actor, TargetType: f.Target, TargetID: f.TargetID,
		Limit: PerPage, Offset: int(offset(f.Page)),
	})
}

// AuditActions lists the distinct actions in the log, for the filter.
func AuditActions(ctx context.Context, db bun.IDB) ([]string, error) {
	return audit.Actions(ctx, db)
}
