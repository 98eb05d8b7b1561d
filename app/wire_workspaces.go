package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/tickets"
	"github.com/frontdesk/frontdesk/workspaces"
)

// wireWorkspaces: private client workspaces (files, approvals, tasks,
// conversation, private links), their overdue-task reminder and demo.
// A client's message becomes a ticket through the tickets service (wired
// before this), as that client, with a link back to the workspace.
func (a *App) wireWorkspaces(acc *accounts.Service) error {
	var tk workspaces.Tickets
	if a.Tickets != nil {
		tk = wsTickets{t: a.Tickets, acc: acc}
	}
	svc := workspaces.NewService(workspaces.Deps{
		Tickets: tk,
		DB:      a.DB, Files: a.Files, Outbox: a.Mail, BaseURL: a.Config.BaseURL,
		Directory:     wsDirectory{acc},
		Limiter:       wsLimiter{acc},
		SecureCookies: a.Config.SecureCookies(),
		Log:           a.Log.With("domain", "workspaces"),
	})
	a.Workspaces = svc
	workspaces.NewHandlers(svc).Mount(a.Fiber)
	a.AddWorker("workspace-reminders", &workspaces.Reminder{S: svc, Every: 15 * time.Minute})
	a.AddDemoSeeder(svc.SeedDemo)
	return nil
}

// wsDirectory lets workspaces read users and organisations from accounts.
type wsDirectory struct{ acc *accounts.Service }

func dirUser(u *accounts.User) workspaces.DirUser {
	d := workspaces.DirUser{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Active: u.DeactivatedAt == nil}
	if u.OrgID != nil {
		d.OrgID = *u.OrgID
	}
	return d
}

func (d wsDirectory) User(ctx context.Context, id int64) (workspaces.DirUser, error) {
	u, err := d.acc.UserByID(ctx, id)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return workspaces.DirUser{}, workspaces.ErrNotFound
	}
	if err != nil {
		return workspaces.DirUser{}, err
	}
	return dirUser(u), nil
}

func (d wsDirectory) UserByEmail(ctx context.Context, email string) (workspaces.DirUser, error) {
	u, err := d.acc.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return workspaces.DirUser{}, workspaces.ErrNotFound
	}
	if err != nil {
		return workspaces.DirUser{}, err
	}
	return dirUser(u), nil
}

func (d wsDirectory) Org(ctx context.Context, id int64) (workspaces.DirOrg, error) {
	o, err := d.acc.OrgByID(ctx, id)
	if errors.Is(err, accounts.ErrOrgNotFound) {
		return workspaces.DirOrg{}, workspaces.ErrNotFound
	}
	if err != nil {
		return workspaces.DirOrg{}, err
	}
	return workspaces.DirOrg{ID: o.ID, Name: o.Name, HighValue: o.HighValue}, nil
}

func (d wsDirectory) HighValueOrgs(ctx context.Context) ([]workspaces.DirOrg, error) {
	orgs, err := d.acc.HighValueOrgs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]workspaces.DirOrg, len(orgs))
	for i, o := range orgs {
		out[i] = workspaces.DirOrg{ID: o.ID, Name: o.Name, HighValue: o.HighValue}
	}
	return out, nil
}

// wsTickets opens a ticket for a workspace message.
type wsTickets struct {
	t   *tickets.Service
	acc *accounts.Service
}

func (w wsTickets) TicketFromWorkspace(ctx context.Context, in workspaces.TicketInput) (string, string, error) {
	u, err := w.acc.UserByEmail(ctx, in.RequesterEmail)
	if err != nil {
		return "", "", err
	}
	t, err := w.t.CreateTicket(ctx, tickets.NewTicket{
		RequesterID: u.ID, ActorID: in.AgentID, Subject: in.Subject, Channel: "web",
		// The ticket refers back by the link in its text: tickets knows
		// references to invoices and tickets only.
		Text: in.Text + "\n\n(From the client workspace: " + in.WorkspaceURL + ")",
	})
	if err != nil {
		return "", "", err
	}
	n := strconv.FormatInt(t.Number, 10)
	return "#" + n, "/agent/tickets/" + n, nil
}

// wsLimiter counts link and code attempts in accounts' shared rate_limits.
type wsLimiter struct{ acc *accounts.Service }

func (l wsLimiter) Allow(ctx context.Context, key string, max int, window time.Duration) error {
	return l.acc.RateLimit(ctx, map[string]accounts.Limit{key: {Max: max, Window: window}})
}
