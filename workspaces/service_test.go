package workspaces_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/workspaces"
)

func (f *fixture) team() workspaces.Actor {
	return workspaces.Actor{UserID: f.agent.ID, Label: f.agent.Name, Email: f.agent.Email, Side: workspaces.SideTeam}
}

// TestVersionsApprovalsLinksAndEmail walks the service on both databases:
// same name makes a version and resets the open request; changes need a
// comment; dead links look unknown; an emailed reply joins the thread once.
func TestVersionsApprovalsLinksAndEmail(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc, ws, team := f.a.Workspaces, f.ws, f.team()
		link := workspaces.Actor{LinkID: f.link.ID, Label: "Finance", Side: workspaces.SideClient}

		file, v1, err := svc.Upload(ctx, team, ws, workspaces.UploadInput{Name: "../../etc/plan.pdf"}, bytes.NewReader([]byte("%PDF-1.4 one")))
		if err != nil {
			t.Fatal(err)
		}
		if file.Name != "plan.pdf" || v1.Number != 1 || v1.ContentType != "application/pdf" {
			t.Fatalf("upload: %+v %+v", file, v1)
		}
		a, err := svc.RequestApproval(ctx, team, ws, file.ID, workspaces.ApprovalInput{Reviewers: []string{fmt.Sprintf("link:%d", f.link.ID)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(ctx, link, ws, a.ID, workspaces.ApprovalChanges, ""); err == nil {
			t.Fatal("changes without a comment accepted")
		}
		if _, err := svc.Decide(ctx, team, ws, a.ID, workspaces.ApprovalApproved, ""); !errors.Is(err, workspaces.ErrNotReviewer) {
			t.Fatalf("the team approved its own work: %v", err)
		}
		_, v2, err := svc.Upload(ctx, team, ws, workspaces.UploadInput{Name: "plan.pdf"}, bytes.NewReader([]byte("%PDF-1.4 two")))
		if err != nil || v2.Number != 2 {
			t.Fatalf("version 2: %v %+v", err, v2)
		}
		hist, err := svc.Approvals(ctx, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Status != workspaces.ApprovalPending || hist[0].VersionNumber != 2 || hist[1].Status != workspaces.ApprovalSuperseded || len(hist[0].Reviewers) != 1 {
			t.Fatalf("reset: %+v", hist)
		}
		if got, err := svc.Decide(ctx, link, ws, hist[0].ID, workspaces.ApprovalApproved, ""); err != nil || got.Status != workspaces.ApprovalApproved {
			t.Fatalf("approve: %v %+v", err, got)
		}
		vs, _ := svc.Versions(ctx, file.ID)
		if len(vs) != 2 || vs[1].SHA256 == vs[0].SHA256 {
			t.Fatalf("versions: %+v", vs)
		}

		// Links: revoked and expired tokens are unknown.
		if _, _, err := svc.LinkByToken(ctx, f.token, "10.0.0.1"); err != nil {
			t.Fatalf("valid link: %v", err)
		}
		if err := svc.RevokeLink(ctx, team, ws, f.link.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.LinkByToken(ctx, f.token, "10.0.0.1"); !errors.Is(err, workspaces.ErrNotFound) {
			t.Fatalf("revoked link: %v", err)
		}
		for i := 0; i < 40; i++ {
			_, _, err = svc.LinkByToken(ctx, "nope-nope-nope-nope-nope-nope-nope-nope-nope", "10.0.0.2")
		}
		if !errors.Is(err, workspaces.ErrRateLimited) {
			t.Fatalf("40 wrong tokens from one address: %v", err)
		}

		// Email replies: members only, once per Message-ID.
		in := workspaces.EmailReply{Subject: "Re: New message " + workspaces.SubjectRef(ws.Slug), From: f.agent.Email, Text: "On it.", MessageID: "<r1@x>"}
		if m, err := svc.AddMessageFromEmail(ctx, in); err != nil || m == nil || m.Source != "email" {
			t.Fatalf("reply: %v %+v", err, m)
		}
		if m, err := svc.AddMessageFromEmail(ctx, in); err != nil || m != nil {
			t.Fatalf("duplicate reply: %v %+v", err, m)
		}
		in.From, in.MessageID = "stranger@evil.test", "<r2@x>"
		if _, err := svc.AddMessageFromEmail(ctx, in); !errors.Is(err, workspaces.ErrUnknownSender) {
			t.Fatalf("stranger: %v", err)
		}
		msgs, _ := svc.Messages(ctx, ws.ID, 0)
		if len(msgs) != 1 {
			t.Fatalf("thread has %d messages", len(msgs))
		}
	})
}

// TestRangeDownload: a resumed download gets exactly the bytes asked for.
func TestRangeDownload(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		data := bytes.Repeat([]byte("0123456789"), 300000) // 3 MB: several file-store chunks
		file, _, err := f.a.Workspaces.Upload(ctx, f.team(), f.ws, workspaces.UploadInput{Name: "data.bin"}, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		c := apptest.NewClient(t, f.a)
		resp := c.Get("/w/link/" + f.token)
		resp.Body.Close()
		req, _ := http.NewRequest("GET", fmt.Sprintf("/w/%s/files/%d/v/1/download", f.ws.Slug, file.ID), nil)
		req.Header.Set("Range", "bytes=1048570-2097160")
		resp = c.Do(req)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[1048570:2097161]) {
			t.Fatalf("range: status %d, %d bytes, Content-Range %q", resp.StatusCode, len(got), resp.Header.Get("Content-Range"))
		}
		if resp.Header.Get("Content-Disposition") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("headers: %v", resp.Header)
		}
	})
}

// BenchmarkListFolder lists one folder of a workspace with 5,000 files in
// 200 folders and reports the p99 latency.
func BenchmarkListFolder(b *testing.B) {
	for _, be := range []dbtest.Backend{dbtest.SQLite(b)} {
		ctx := context.Background()
		a := apptest.New(b, be)
		now := time.Now().UTC()
		ws := &workspaces.Workspace{Slug: "bench", Name: "Bench", CreatedAt: now, UpdatedAt: now}
		if _, err := a.DB.NewInsert().Model(ws).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		var folders []int64
		for i := 0; i < 200; i++ {
			fo := &workspaces.Folder{WorkspaceID: ws.ID, Name: fmt.Sprintf("Folder %03d", i), CreatedAt: now}
			if _, err := a.DB.NewInsert().Model(fo).Exec(ctx); err != nil {
				b.Fatal(err)
			}
			folders = append(folders, fo.ID)
			var fs []workspaces.File
			for j := 0; j < 25; j++ {
				fs = append(fs, workspaces.File{WorkspaceID: ws.ID, FolderID: fo.ID, Name: fmt.Sprintf("file-%02d.pdf", j),
					CurrentVersion: 1, Size: 1000, ContentType: "application/pdf", CreatedAt: now, UpdatedAt: now})
			}
			if _, err := a.DB.NewInsert().Model(&fs).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
		var times []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			l, err := a.Workspaces.ListFolder(ctx, ws.ID, folders[i%len(folders)])
			if err != nil || len(l.Files) != 25 {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		b.StopTimer()
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	}
}
