package authztest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/workspaces"
)

// WorkspaceFixture is the client workspace of organisation A (made
// high-value, with a logo): customer A and the unverified customer are its members, the
// agent is on its account team; it has a folder, a file with an open
// approval request, a tick-off task, a message and private links in every
// state.
type WorkspaceFixture struct {
	WS *workspaces.Workspace
	// Tokens of its private links.
	LinkValid, LinkRevoked, LinkExpired, LinkRotatedOld, LinkRotatedNew string
	// CodeLink is a link that asks for an emailed code, allowed for
	// CodeEmail.
	CodeLink, CodeEmail string
}

// TeamActor is how the agent appears in the workspace.
func (w *World) TeamActor() workspaces.Actor {
	u := w.Actors[Agent].User
	return workspaces.Actor{UserID: u.ID, Label: u.Email, Email: u.Email, Side: workspaces.SideTeam}
}

// workspaceFixtures builds the workspace and the matrix values for it.
func (w *World) workspaceFixtures(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	svc := w.App.Workspaces
	if _, err := w.App.DB.NewUpdate().Model((*accounts.Organization)(nil)).Set("high_value = TRUE").
		Where("id = ?", w.OrgA.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	w.OrgA.HighValue = true
	team := w.TeamActor()
	ws, err := svc.Create(ctx, team, workspaces.CreateInput{Name: "Org A workspace", OrgID: w.OrgA.ID})
	if err != nil {
		t.Fatalf("workspace: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.AddPerson(ctx, team, ws, w.Actors[CustomerA].User.Email, workspaces.SideClient))
	// The unverified customer is a member too: policy still says no.
	must(svc.AddPerson(ctx, team, ws, w.Actors[Unverified].User.Email, workspaces.SideClient))
	var logo bytes.Buffer
	must(png.Encode(&logo, image.NewRGBA(image.Rect(0, 0, 4, 4))))
	must(svc.SetLogo(ctx, team, ws, &logo))
	folder, err := svc.CreateFolder(ctx, team, ws.ID, 0, "Deliverables")
	must(err)
	upload := func(name string) *workspaces.File {
		f, _, err := svc.Upload(ctx, team, ws, workspaces.UploadInput{FolderID: folder.ID, Name: name}, bytes.NewReader([]byte("%PDF-1.4 "+name)))
		must(err)
		return f
	}
	file := upload("report.pdf")
	appr, err := svc.RequestApproval(ctx, team, ws, file.ID, workspaces.ApprovalInput{})
	must(err)
	task, err := svc.CreateTask(ctx, team, ws, workspaces.TaskInput{Title: "Tick me", Kind: workspaces.TaskTick})
	must(err)
	msg, err := svc.Post(ctx, team, ws, 0, "Hello")
	must(err)

	fx := &WorkspaceFixture{WS: ws, CodeEmail: "contact@a.test"}
	link := func(name string, in workspaces.LinkInput) (string, *workspaces.Link) {
		in.Name = name
		tok, l, err := svc.CreateLink(ctx, team, ws, in)
		must(err)
		return tok, l
	}
	fx.LinkValid, _ = link("valid", workspaces.LinkInput{})
	var revoked, expired *workspaces.Link
	fx.LinkRevoked, revoked = link("revoked", workspaces.LinkInput{})
	must(svc.RevokeLink(ctx, team, ws, revoked.ID))
	soon := time.Now().Add(time.Hour)
	fx.LinkExpired, expired = link("expired", workspaces.LinkInput{ExpiresAt: &soon})
	if _, err := w.App.DB.NewUpdate().Model(expired).Set("expires_at = ?", time.Now().Add(-time.Hour).UTC()).WherePK().Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var rotated *workspaces.Link
	fx.LinkRotatedOld, rotated = link("rotated", workspaces.LinkInput{})
	fx.LinkRotatedNew, err = svc.RotateLink(ctx, team, ws, rotated.ID)
	must(err)
	w.Workspace = fx

	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	w.Values["ws.slug"] = ws.Slug
	w.Values["ws.folder"] = id(folder.ID)
	w.Values["ws.file"] = id(file.ID)
	w.Values["ws.version"] = "1"
	w.Values["ws.approval"] = id(appr.ID)
	w.Values["ws.task"] = id(task.ID)
	w.Values["ws.message"] = id(msg.ID)
	w.Values["ws.link.valid"] = fx.LinkValid
	w.Values["ws.link.revoked"] = fx.LinkRevoked
	w.Values["ws.link.expired"] = fx.LinkExpired
	w.Values["ws.link.rotated"] = fx.LinkRotatedOld
	seq := 0
	w.Fresh["new.ws.file"] = func(t testing.TB) string {
		seq++
		return id(upload(fmt.Sprintf("doomed-%d.pdf", seq)).ID)
	}
	w.Fresh["new.ws.link"] = func(t testing.TB) string {
		seq++
		_, l := link(fmt.Sprintf("doomed-%d", seq), workspaces.LinkInput{})
		return id(l.ID)
	}
	w.Fresh["new.ws.codelink"] = func(t testing.TB) string {
		seq++
		tok, _ := link(fmt.Sprintf("code-%d", seq), workspaces.LinkInput{RequireCode: true, AllowedEmails: fx.CodeEmail})
		return tok
	}
	w.Fresh["new.ws.member"] = func(t testing.TB) string {
		seq++
		u := w.CreateUser(t, fmt.Sprintf("ws-member-%d@a.test", seq), identity.RoleCustomer, "org-a")
		must(svc.AddPerson(ctx, team, ws, u.Email, workspaces.SideClient))
		return id(u.ID)
	}
	w.Fresh["new.ws.checklist"] = func(t testing.TB) string {
		seq++
		must(svc.AddChecklistItem(ctx, workspaces.ChecklistInput{Title: fmt.Sprintf("Item %d", seq), Kind: workspaces.TaskTick}))
		items, err := svc.Checklist(ctx)
		must(err)
		return id(items[len(items)-1].ID)
	}
}
