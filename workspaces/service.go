package workspaces

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/validate"
)

// Errors the service returns for handlers to map.
var (
	ErrNotFound    = errors.New("workspaces: not found")
	ErrRateLimited = errors.New("workspaces: too many attempts")
	ErrNotReviewer = errors.New("workspaces: you are not a reviewer of this request")
	ErrClosed      = errors.New("workspaces: this request is no longer open")
)

// DirUser is a user as the workspaces package needs to know them.
type DirUser struct {
	ID     int64
	Email  string
	Name   string
	Role   identity.Role
	OrgID  int64
	Active bool
}

// Label is how the user is shown.
func (u DirUser) Label() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// DirOrg is an organisation as the workspaces package needs to know it.
type DirOrg struct {
	ID        int64
	Name      string
	HighValue bool
}

// Directory reads users and organisations (accounts implements it; the
// app wires it). ErrNotFound for what does not exist.
type Directory interface {
	User(ctx context.Context, id int64) (DirUser, error)
	UserByEmail(ctx context.Context, email string) (DirUser, error)
	Org(ctx context.Context, id int64) (DirOrg, error)
	HighValueOrgs(ctx context.Context) ([]DirOrg, error)
}

// RateLimiter counts attempts in the shared rate-limit table (accounts
// implements it); it returns a non-nil error when key went over max per
// window.
type RateLimiter interface {
	Allow(ctx context.Context, key string, max int, window time.Duration) error
}

// Tickets turns a workspace message into a support ticket (the tickets
// domain implements it; the app wires it when tickets exists). It returns
// the new ticket's reference (its number) and the agent URL.
type Tickets interface {
	TicketFromWorkspace(ctx context.Context, in TicketInput) (ref, url string, err error)
}

// TicketInput is what a ticket made from a workspace message carries.
type TicketInput struct {
	Subject        string
	Text           string
	RequesterEmail string // the client who wrote the message ("" for a link holder without an address)
	RequesterName  string
	AgentID        int64 // who turned it into a ticket
	WorkspaceURL   string
}

// Deps is what the service needs.
type Deps struct {
	DB        *bun.DB
	Files     *files.Store
	Outbox    *mail.Outbox
	Directory Directory
	Limiter   RateLimiter // nil: no rate limits (tests only)
	Tickets   Tickets     // nil: "turn into a ticket" is not offered
	BaseURL   string
	// SecureCookies marks the link cookie Secure.
	SecureCookies bool
	// MaxUpload caps one file's size (default 2 GiB).
	MaxUpload int64
	Log       *slog.Logger
	Now       func() time.Time
}

// Service implements workspaces.
type Service struct {
	db      *bun.DB
	files   *files.Store
	outbox  *mail.Outbox
	dir     Directory
	limiter RateLimiter
	tickets Tickets
	baseURL string
	secure  bool
	max     int64
	log     *slog.Logger
	now     func() time.Time
}

// NewService builds the service.
func NewService(d Deps) *Service {
	s := &Service{db: d.DB, files: d.Files, outbox: d.Outbox, dir: d.Directory, limiter: d.Limiter, tickets: d.Tickets,
		baseURL: strings.TrimRight(d.BaseURL, "/"), secure: d.SecureCookies, max: d.MaxUpload, log: d.Log, now: d.Now}
	if s.max <= 0 {
		s.max = 2 << 30
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// TicketsEnabled reports whether messages can become tickets.
func (s *Service) TicketsEnabled() bool { return s.tickets != nil }

// Actor is who does something in a workspace: a user (team agent, admin or
// client member) or the holder of a private link.
type Actor struct {
	UserID int64
	LinkID int64
	Label  string // name or address, as shown in the feed
	Email  string // "" for a link holder who gave none
	Side   string // SideTeam or SideClient
	IP     string
}

func (a Actor) userID() *int64 {
	if a.UserID == 0 {
		return nil
	}
	v := a.UserID
	return &v
}

func (a Actor) linkID() *int64 {
	if a.LinkID == 0 {
		return nil
	}
	v := a.LinkID
	return &v
}

// Access is what one request may do in one workspace, decided by policy.
type Access struct {
	Policy     policy.Workspace
	Identity   *identity.Identity
	View       bool
	Contribute bool
	Deliver    bool
	Manage     bool
	Audit      bool
}

// Access builds the policy description of ws for the asker (id may be nil;
// grant is the request's link grant, nil without one) and asks policy.
func (s *Service) Access(ctx context.Context, ws *Workspace, id *identity.Identity, grant *policy.LinkGrant) (Access, error) {
	p := policy.Workspace{ID: ws.ID, Link: grant}
	if ws.OrgID != nil {
		p.OrgID = *ws.OrgID
		org, err := s.dir.Org(ctx, *ws.OrgID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Access{}, err
		}
		p.OrgHighValue = org.HighValue
	}
	if ws.CustomerID != nil {
		p.CustomerID = *ws.CustomerID
	}
	if id != nil {
		side, err := personSide(ctx, s.db, ws.ID, id.UserID)
		if err != nil {
			return Access{}, err
		}
		p.Member = side == SideClient
		p.Team = side == SideTeam
	}
	return Access{
		Policy: p, Identity: id,
		View:       policy.Can(id, policy.ViewWorkspace, p),
		Contribute: policy.Can(id, policy.ContributeWorkspace, p),
		Deliver:    policy.Can(id, policy.DeliverWorkspace, p),
		Manage:     policy.Can(id, policy.ManageWorkspace, p),
		Audit:      policy.Can(id, policy.ExportWorkspaceAudit, p),
	}, nil
}

func personSide(ctx context.Context, db bun.IDB, wsID, userID int64) (string, error) {
	var side string
	err := db.NewSelect().Model((*Person)(nil)).Column("side").
		Where("workspace_id = ? AND user_id = ?", wsID, userID).Scan(ctx, &side)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return side, err
}

func scanOne(ctx context.Context, q *bun.SelectQuery, what string) error {
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	return nil
}

// BySlug loads a workspace.
func (s *Service) BySlug(ctx context.Context, slug string) (*Workspace, error) {
	ws := new(Workspace)
	if err := scanOne(ctx, s.db.NewSelect().Model(ws).Where("slug = ?", slug), "workspace"); err != nil {
		return nil, err
	}
	return ws, nil
}

// ByID loads a workspace.
func (s *Service) ByID(ctx context.Context, id int64) (*Workspace, error) {
	ws := new(Workspace)
	if err := scanOne(ctx, s.db.NewSelect().Model(ws).Where("id = ?", id), "workspace"); err != nil {
		return nil, err
	}
	return ws, nil
}

// ForOrg lists the workspaces of an organisation (for the agent's view of
// a customer).
func (s *Service) ForOrg(ctx context.Context, orgID int64) ([]Workspace, error) {
	var out []Workspace
	err := s.db.NewSelect().Model(&out).Where("org_id = ?", orgID).Order("name").Scan(ctx)
	return out, err
}

// ForCustomer lists the workspaces a customer sees: their single-customer
// workspaces and those of their organisation they are a member of.
func (s *Service) ForCustomer(ctx context.Context, userID int64) ([]Workspace, error) {
	var out []Workspace
	err := s.db.NewSelect().Model(&out).
		Where("id IN (SELECT workspace_id FROM workspace_people WHERE user_id = ? AND side = ?)", userID, SideClient).
		Order("name").Scan(ctx)
	return out, err
}

// Listed is a workspace in the staff list.
type Listed struct {
	Workspace
	Owner string // organisation or customer name
}

// ListFor lists the workspaces staff may open: all for admins, the
// account team's for agents. orgID, when not 0, keeps one organisation's.
func (s *Service) ListFor(ctx context.Context, id *identity.Identity, orgID int64) ([]Listed, error) {
	var ws []Workspace
	q := s.db.NewSelect().Model(&ws).Order("name")
	if !id.IsAdmin() {
		q = q.Where("id IN (SELECT workspace_id FROM workspace_people WHERE user_id = ? AND side = ?)", id.UserID, SideTeam)
	}
	if orgID != 0 {
		q = q.Where("org_id = ?", orgID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]Listed, 0, len(ws))
	for _, w := range ws {
		l := Listed{Workspace: w}
		switch {
		case w.OrgID != nil:
			if o, err := s.dir.Org(ctx, *w.OrgID); err == nil {
				l.Owner = o.Name
			}
		case w.CustomerID != nil:
			if u, err := s.dir.User(ctx, *w.CustomerID); err == nil {
				l.Owner = u.Label()
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// CreateInput opens a workspace.
type CreateInput struct {
	Name          string
	OrgID         int64  // a high-value organisation, or
	CustomerEmail string // a single customer
	Color         string
	Onboarding    bool // start from the onboarding checklist
}

var (
	hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	slugBad  = regexp.MustCompile(`[^a-z0-9]+`)
)

func slugify(s string) string {
	s = strings.Trim(slugBad.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	if s == "" {
		s = "workspace"
	}
	return s
}

// Create opens a workspace; the creating agent joins its account team and
// the organisation's customers... are added by the team (membership is
// explicit). Field errors come back as validate.Errors.
func (s *Service) Create(ctx context.Context, by Actor, in CreateInput) (*Workspace, error) {
	fe := validate.Errors{}
	in.Name = strings.TrimSpace(in.Name)
	in.Color = strings.TrimSpace(in.Color)
	if in.Name == "" {
		fe.Add("name", "Give the workspace a name.")
	} else if len(in.Name) > 200 {
		fe.Add("name", "Keep the name under 200 characters.")
	}
	if in.Color != "" && !hexColor.MatchString(in.Color) {
		fe.Add("color", "Use a colour like #1d4ed8.")
	}
	ws := &Workspace{Name: in.Name, Color: in.Color}
	var customer DirUser
	switch {
	case in.OrgID != 0 && in.CustomerEmail != "":
		fe.Add("org", "Choose an organisation or a customer, not both.")
	case in.OrgID != 0:
		org, err := s.dir.Org(ctx, in.OrgID)
		if errors.Is(err, ErrNotFound) || (err == nil && !org.HighValue) {
			fe.Add("org", "Workspaces are for organisations marked high-value.")
		} else if err != nil {
			return nil, err
		}
		ws.OrgID = &in.OrgID
	case strings.TrimSpace(in.CustomerEmail) != "":
		u, err := s.dir.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(in.CustomerEmail)))
		if errors.Is(err, ErrNotFound) || (err == nil && u.Role != identity.RoleCustomer) {
			fe.Add("customer", "No customer has that address.")
		} else if err != nil {
			return nil, err
		}
		customer = u
		ws.CustomerID = &u.ID
	default:
		fe.Add("org", "Choose the organisation (or a single customer) the workspace is for.")
	}
	if fe.Any() {
		return nil, fe
	}
	now := s.clock()
	ws.CreatedAt, ws.UpdatedAt = now, now
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		base := slugify(in.Name)
		if base == "link" { // /w/link/{token} opens private links
			base = "link-workspace"
		}
		ws.Slug = base
		for i := 2; ; i++ {
			taken, err := tx.NewSelect().Model((*Workspace)(nil)).Where("slug = ?", ws.Slug).Exists(ctx)
			if err != nil {
				return err
			}
			if !taken {
				break
			}
			ws.Slug = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := tx.NewInsert().Model(ws).Exec(ctx); err != nil {
			return err
		}
		if by.UserID != 0 && by.Side == SideTeam {
			if _, err := tx.NewInsert().Model(&Person{WorkspaceID: ws.ID, UserID: by.UserID, Side: SideTeam, CreatedAt: now}).Exec(ctx); err != nil {
				return err
			}
		}
		if customer.ID != 0 {
			if _, err := tx.NewInsert().Model(&Person{WorkspaceID: ws.ID, UserID: customer.ID, Side: SideClient, CreatedAt: now}).Exec(ctx); err != nil {
				return err
			}
		}
		if in.Onboarding {
			if err := applyChecklist(ctx, tx, ws.ID, now); err != nil {
				return err
			}
		}
		return record(ctx, tx, ws.ID, by, "workspace.created", ws.Name, nil, now)
	})
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// UpdateSettings changes the name and colour.
func (s *Service) UpdateSettings(ctx context.Context, by Actor, ws *Workspace, name, color string) error {
	fe := validate.Errors{}
	name, color = strings.TrimSpace(name), strings.TrimSpace(color)
	if name == "" || len(name) > 200 {
		fe.Add("name", "Give the workspace a name (under 200 characters).")
	}
	if color != "" && !hexColor.MatchString(color) {
		fe.Add("color", "Use a colour like #1d4ed8.")
	}
	if fe.Any() {
		return fe
	}
	ws.Name, ws.Color, ws.UpdatedAt = name, color, s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model(ws).Column("name", "color", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "workspace.settings", name, nil, ws.UpdatedAt)
	})
}

// logoTypes are the image types a logo may have (no SVG: it can carry script).
var logoTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// SetLogo stores the client's logo (PNG, JPEG, GIF or WebP, at most 2 MB).
func (s *Service) SetLogo(ctx context.Context, by Actor, ws *Workspace, r io.Reader) error {
	br, ctype := sniff(r)
	if !logoTypes[ctype] {
		return validate.Errors{"logo": "Upload the logo as a PNG, JPEG, GIF or WebP image."}
	}
	blob, err := s.files.Put(ctx, s.db, br, 2<<20)
	if errors.Is(err, files.ErrTooLarge) {
		return validate.Errors{"logo": "Keep the logo under 2 MB."}
	}
	if err != nil {
		return err
	}
	ws.LogoSHA256, ws.LogoType, ws.UpdatedAt = blob.SHA256, ctype, s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model(ws).Column("logo_sha256", "logo_type", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "workspace.logo", "", nil, ws.UpdatedAt)
	})
}

// OpenBlob opens stored bytes by sha256.
func (s *Service) OpenBlob(ctx context.Context, sha string) (files.Reader, error) {
	return s.files.Open(ctx, s.db, sha)
}

// People lists the workspace's team and client members with their names.
func (s *Service) People(ctx context.Context, wsID int64) (team, clients []Person, err error) {
	var all []Person
	if err := s.db.NewSelect().Model(&all).Where("workspace_id = ?", wsID).Order("created_at", "user_id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	for _, p := range all {
		if u, err := s.dir.User(ctx, p.UserID); err == nil {
			p.Email, p.Name = u.Email, u.Name
		}
		if p.Side == SideTeam {
			team = append(team, p)
		} else {
			clients = append(clients, p)
		}
	}
	return team, clients, nil
}

// AddPerson adds a user by email: agents join the account team, customers
// of the workspace's organisation (or its single customer) become client
// members.
func (s *Service) AddPerson(ctx context.Context, by Actor, ws *Workspace, email, side string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := s.dir.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Active) {
		return validate.Errors{"email": "No active user has that address."}
	}
	if err != nil {
		return err
	}
	switch side {
	case SideTeam:
		if !u.Role.IsStaff() {
			return validate.Errors{"email": "The account team is made of agents and admins."}
		}
	case SideClient:
		if u.Role != identity.RoleCustomer {
			return validate.Errors{"email": "Client members are customers."}
		}
		ok := (ws.OrgID != nil && u.OrgID == *ws.OrgID) || (ws.CustomerID != nil && u.ID == *ws.CustomerID)
		if !ok {
			return validate.Errors{"email": "Only users of the workspace's organisation can be client members."}
		}
	default:
		return fmt.Errorf("workspaces: bad side %q", side)
	}
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Person)(nil)).Where("workspace_id = ? AND user_id = ?", ws.ID, u.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&Person{WorkspaceID: ws.ID, UserID: u.ID, Side: side, CreatedAt: now}).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "person.added."+side, u.Email, nil, now)
	})
}

// RemovePerson removes a user from the team or the members.
func (s *Service) RemovePerson(ctx context.Context, by Actor, ws *Workspace, userID int64) error {
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Person)(nil)).Where("workspace_id = ? AND user_id = ?", ws.ID, userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		label := fmt.Sprint(userID)
		if u, err := s.dir.User(ctx, userID); err == nil {
			label = u.Email
		}
		return record(ctx, tx, ws.ID, by, "person.removed", label, nil, now)
	})
}

// isUnique reports a unique-index violation.
func isUnique(err error) bool { return database.IsUniqueViolation(err) }
