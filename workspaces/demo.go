package workspaces

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

const demoSlug = "acme-corp"

// SeedDemo opens a workspace for Acme Corp (the demo's high-value
// organisation) with files in versions, a completed and a pending
// approval, tasks and a conversation, and returns its private link. The
// link's token is stored only as a hash, so on later starts (seeded) the
// demo link is rotated and the new one printed.
func (s *Service) SeedDemo(ctx context.Context, seeded bool) ([]string, error) {
	if seeded {
		ws, err := s.BySlug(ctx, demoSlug)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		links, err := s.Links(ctx, ws.ID)
		if err != nil || len(links) == 0 {
			return nil, err
		}
		tok, err := s.RotateLink(ctx, Actor{Label: "demo"}, ws, links[len(links)-1].ID)
		if err != nil {
			return nil, err
		}
		return s.demoLines(ws, tok, true), nil
	}
	var acme *DirOrg
	orgs, err := s.dir.HighValueOrgs(ctx)
	if err != nil {
		return nil, err
	}
	for i := range orgs {
		if orgs[i].Name == "Acme Corp" {
			acme = &orgs[i]
		}
	}
	if acme == nil {
		return nil, nil // the accounts demo did not run
	}
	alice, err := s.dir.UserByEmail(ctx, "alice@demo.frontdesk.test")
	if err != nil {
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	carol, err := s.dir.UserByEmail(ctx, "carol@acme.example")
	if err != nil {
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	agent := Actor{UserID: alice.ID, Label: alice.Label(), Email: alice.Email, Side: SideTeam}
	client := Actor{UserID: carol.ID, Label: carol.Label(), Email: carol.Email, Side: SideClient}

	ws, err := s.Create(ctx, agent, CreateInput{Name: "Acme Corp", OrgID: acme.ID, Color: "#b45309"})
	if err != nil {
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	if err := s.AddPerson(ctx, agent, ws, carol.Email, SideClient); err != nil {
		return nil, err
	}
	design, err := s.CreateFolder(ctx, agent, ws.ID, 0, "Brand refresh")
	if err != nil {
		return nil, err
	}
	contracts, err := s.CreateFolder(ctx, agent, ws.ID, 0, "Contracts")
	if err != nil {
		return nil, err
	}
	// The logo in two versions: version 1 was sent back, version 2 waits.
	logo1, logo2 := demoPNG(color.RGBA{180, 83, 9, 255}), demoPNG(color.RGBA{29, 78, 216, 255})
	f, _, err := s.Upload(ctx, agent, ws, UploadInput{FolderID: design.ID, Name: "acme-logo.png"}, bytes.NewReader(logo1))
	if err != nil {
		return nil, err
	}
	a, err := s.RequestApproval(ctx, agent, ws, f.ID, ApprovalInput{Reviewers: []string{fmt.Sprintf("user:%d", carol.ID)}})
	if err != nil {
		return nil, err
	}
	if _, err := s.Decide(ctx, client, ws, a.ID, ApprovalChanges, "Could we try our blue instead of the orange?"); err != nil {
		return nil, err
	}
	if _, _, err := s.Upload(ctx, agent, ws, UploadInput{FolderID: design.ID, Name: "acme-logo.png"}, bytes.NewReader(logo2)); err != nil {
		return nil, err
	}
	// The engagement letter: approved.
	letter, _, err := s.Upload(ctx, agent, ws, UploadInput{FolderID: contracts.ID, Name: "engagement-letter.pdf"}, bytes.NewReader(demoPDF("Engagement letter")))
	if err != nil {
		return nil, err
	}
	a2, err := s.RequestApproval(ctx, agent, ws, letter.ID, ApprovalInput{Note: "Please confirm the scope."})
	if err != nil {
		return nil, err
	}
	if _, err := s.Decide(ctx, client, ws, a2.ID, ApprovalApproved, "Looks good to us."); err != nil {
		return nil, err
	}
	due := s.clock().AddDate(0, 0, 7)
	past := s.clock().AddDate(0, 0, -2)
	if _, err := s.CreateTask(ctx, agent, ws, TaskInput{Title: "Upload last year's statements", Kind: TaskUpload, DueOn: &due}); err != nil {
		return nil, err
	}
	if _, err := s.CreateTask(ctx, agent, ws, TaskInput{Title: "Confirm the billing contact", Kind: TaskTick, DueOn: &past}); err != nil {
		return nil, err
	}
	if _, err := s.Post(ctx, agent, ws, 0, "Welcome to your workspace, @carol! Version 2 of the logo is up for review."); err != nil {
		return nil, err
	}
	tok, _, err := s.CreateLink(ctx, agent, ws, LinkInput{Name: "Acme finance team"})
	if err != nil {
		return nil, err
	}
	return s.demoLines(ws, tok, false), nil
}

func (s *Service) demoLines(ws *Workspace, tok string, rotated bool) []string {
	note := ""
	if rotated {
		note = " (a new link at every demo start; the previous one stopped working)"
	}
	return []string{
		"Demo client workspace " + ws.Name + ": " + s.baseURL + "/w/" + ws.Slug + " (alice@… agent, carol@… client)",
		"  private link, no account needed" + note + ":",
		"  " + s.baseURL + "/w/link/" + tok,
	}
}

// demoPNG draws a small logo-like image.
func demoPNG(c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 96))
	for y := 0; y < 96; y++ {
		for x := 0; x < 160; x++ {
			d := (x-80)*(x-80) + (y-48)*(y-48)
			if d < 40*40 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.RGBA{249, 250, 251, 255})
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// demoPDF makes a one-page PDF with a title.
func demoPDF(title string) []byte {
	content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj ET", title)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
