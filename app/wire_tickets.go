package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/changefeed"
	"github.com/frontdesk/frontdesk/tickets"
)

// wireTickets: the ticket service, its search index and follower, the
// customer portal, the agent desk (/agent: mounted here, the KB editor
// no longer answers it) and the API.
//
// Each node keeps its own bleve index in <data-dir>/tickets-index,
// rebuilt when missing or of another version and kept fresh by a
// platform/changefeed follower over tickets_changes.
func (a *App) wireTickets(acc *accounts.Service) error {
	ctx := context.Background()
	dir := ticketDirectory{acc: acc}
	svc := tickets.NewService(tickets.Deps{
		DB: a.DB, Directory: dir, Files: a.Files, Outbox: a.Mail, Settings: a.Settings,
		BaseURL: a.Config.BaseURL, SupportAddress: a.Config.SupportAddress,
		MaxAttachment: a.Config.AttachmentMaxBytes, Log: a.Log,
	})
	a.Tickets = svc
	if a.Config.Command {
		// A one-shot command (mail fetch) writes through the service; the
		// serving nodes' followers index what it changed.
		return nil
	}
	ix, err := tickets.OpenIndex(filepath.Join(a.Config.DataDir, "tickets-index"))
	if err != nil {
		return fmt.Errorf("ticket index: %w", err)
	}
	a.AddCloser(ix.Close)
	follower := changefeed.New[tickets.Doc]("tickets", ix, tickets.NewSource(a.DB), time.Second, a.Log)
	if ix.NeedsRebuild() {
		if err := follower.Rebuild(ctx); err != nil {
			return fmt.Errorf("ticket index rebuild: %w", err)
		}
	}
	if err := follower.CatchUp(ctx); err != nil {
		return fmt.Errorf("ticket index catch-up: %w", err)
	}
	svc.SetFollower(follower)
	a.AddWorker("tickets-index", follower)
	a.AddReadyCheck("tickets-index", tickets.ReadyCheck(follower))
	a.AddDemoSeeder(svc.SeedDemo)
	deps := tickets.HandlerDeps{Service: svc, Index: ix, Log: a.Log, Secure: a.Config.SecureCookies(), Billing: a.TicketBilling,
		Mail: mailHealth{a}}
	if a.KB != nil {
		deps.Suggest = kbSuggester{a.KB}
		deps.Drafts = kbDrafter{a.KB}
	}
	tickets.NewHandlers(deps).Mount(a.Fiber)
	return nil
}

// ticketDirectory answers the tickets domain's questions about people
// from the accounts service.
type ticketDirectory struct{ acc *accounts.Service }

func toPerson(u *accounts.User) tickets.Person {
	p := tickets.Person{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role,
		NotifyTicketUpdates: u.NotifyTicketUpdates, Active: u.DeactivatedAt == nil,
	}
	if u.OrgID != nil {
		p.OrgID = *u.OrgID
	}
	if u.Org != nil {
		p.OrgName, p.OrgShared = u.Org.Name, u.Org.MembersSeeAllTickets
	}
	return p
}

func (d ticketDirectory) People(ctx context.Context, ids []int64) (map[int64]tickets.Person, error) {
	return d.PeopleIn(ctx, nil, ids)
}

func (d ticketDirectory) PeopleIn(ctx context.Context, db bun.IDB, ids []int64) (map[int64]tickets.Person, error) {
	var us []accounts.User
	var err error
	if db == nil {
		us, err = d.acc.UsersByIDs(ctx, ids)
	} else {
		us, err = d.acc.UsersByIDsIn(ctx, db, ids)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[int64]tickets.Person, len(us))
	for i := range us {
		out[us[i].ID] = toPerson(&us[i])
	}
	return out, nil
}

func (d ticketDirectory) PersonByEmail(ctx context.Context, email string) (tickets.Person, error) {
	u, err := d.acc.UserByEmail(ctx, email)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return tickets.Person{}, tickets.ErrNoPerson
	}
	if err != nil {
		return tickets.Person{}, err
	}
	return toPerson(u), nil
}

func (d ticketDirectory) FindOrCreateContact(ctx context.Context, db bun.IDB, email, name string) (tickets.Person, error) {
	u, err := d.acc.FindOrCreateContact(ctx, db, email, name)
	if err != nil {
		return tickets.Person{}, err
	}
	return toPerson(u), nil
}

func (d ticketDirectory) Staff(ctx context.Context) ([]tickets.Person, error) {
	us, err := d.acc.StaffUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]tickets.Person, len(us))
	for i := range us {
		out[i] = toPerson(&us[i])
	}
	return out, nil
}

func toOrg(o *accounts.Organization) tickets.Org {
	return tickets.Org{ID: o.ID, Name: o.Name, Shared: o.MembersSeeAllTickets}
}

func (d ticketDirectory) Orgs(ctx context.Context, ids []int64) (map[int64]tickets.Org, error) {
	if ids == nil {
		ids = []int64{}
	}
	os, err := d.acc.OrganizationsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]tickets.Org, len(os))
	for i := range os {
		out[os[i].ID] = toOrg(&os[i])
	}
	return out, nil
}

func (d ticketDirectory) AllOrgs(ctx context.Context) ([]tickets.Org, error) {
	os, err := d.acc.OrganizationsByIDs(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]tickets.Org, len(os))
	for i := range os {
		out[i] = toOrg(&os[i])
	}
	return out, nil
}

// kbSuggester offers published KB articles on the new-request form.
type kbSuggester struct{ kb *kb.Service }

func (k kbSuggester) Suggest(ctx context.Context, text string, limit int) ([]tickets.Suggestion, error) {
	res, err := k.kb.Search(ctx, kb.SearchRequest{Text: text, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]tickets.Suggestion, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = tickets.Suggestion{Title: h.Title, URL: "/kb/a/" + h.Slug, Snippet: h.Snippet}
	}
	return out, nil
}

// kbDrafter starts KB drafts from solved tickets.
type kbDrafter struct{ kb *kb.Service }

func (k kbDrafter) DraftFromTicket(ctx context.Context, title, question, answer string, authorID int64) (string, error) {
	id, err := k.kb.DraftFromTicket(ctx, title, question, answer, authorID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/agent/kb/%d/edit", id), nil
}

// kbDeflection gives the KB report the ticket form's deflection figures.
// The KB is wired before the tickets, so it asks a.Tickets when asked.
type kbDeflection struct{ a *App }

func (d kbDeflection) KBDeflection(ctx context.Context, from, to time.Time) (kb.Deflection, error) {
	if d.a.Tickets == nil {
		return kb.Deflection{}, nil
	}
	st, err := d.a.Tickets.Deflection(ctx, from, to)
	return kb.Deflection{Forms: st.Forms, Opened: st.Opened, Submitted: st.Submitted, Abandoned: st.Abandoned}, err
}
