package workspaces_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/workspaces"
)

// multipartUpload builds an upload body by hand, so the part's header says
// exactly what an attacker's client would (filename* may percent-encode
// CR, LF and NUL, which Go's multipart reader decodes).
func multipartUpload(disposition, content string) (string, []byte) {
	const boundary = "xYzBoundary"
	body := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; " + disposition +
		"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n"
	return "multipart/form-data; boundary=" + boundary, []byte(body)
}

// TestFileNamesAndIDsCannotBeAbused: a link holder of one workspace asks
// for another workspace's file, version and approval through their own
// workspace's URLs (404 each); CR, LF and NUL in file and folder names are
// dropped before they reach a page or a header.
func TestFileNamesAndIDsCannotBeAbused(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc := f.a.Workspaces
		other, err := svc.Create(ctx, f.team(), workspaces.CreateInput{Name: "Globex", CustomerEmail: ""})
		if err == nil {
			t.Fatal("a workspace without an owner was created")
		}
		// A second workspace of the same organisation the link does not open.
		other, err = svc.Create(ctx, f.team(), workspaces.CreateInput{Name: "Acme Secret", OrgID: *f.ws.OrgID})
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := svc.Upload(ctx, f.team(), other, workspaces.UploadInput{Name: "secret.pdf"}, strings.NewReader("%PDF-1.4 secret"))
		if err != nil {
			t.Fatal(err)
		}
		appr, err := svc.RequestApproval(ctx, f.team(), other, secret.ID, workspaces.ApprovalInput{})
		if err != nil {
			t.Fatal(err)
		}

		c := apptest.NewClient(t, f.a)
		c.Get("/w/link/" + f.token).Body.Close()
		base := "/w/" + f.ws.Slug
		for _, path := range []string{
			fmt.Sprintf("%s/files/%d", base, secret.ID),
			fmt.Sprintf("%s/files/%d/v/1/raw", base, secret.ID),
			fmt.Sprintf("%s/files/%d/v/1/download", base, secret.ID),
			"/w/" + other.Slug,
			fmt.Sprintf("/w/%s/files/%d/v/1/download", other.Slug, secret.ID),
		} {
			resp := c.Get(path)
			body := apptest.Body(t, resp)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
		}
		for path, form := range map[string][]string{
			fmt.Sprintf("%s/files/%d/comments", base, secret.ID): {"body", "mine now"},
			fmt.Sprintf("%s/approvals/%d/decide", base, appr.ID): {"decision", "approved", "comment", "ok"},
		} {
			resp := c.PostForm(path, apptest.Values(append(form, "_csrf", c.CSRF())...))
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d", path, resp.StatusCode)
			}
		}
		if ms, _ := svc.Messages(ctx, other.ID, secret.ID); len(ms) != 0 {
			t.Errorf("a comment reached the other workspace: %+v", ms)
		}
		if hist, _ := svc.Approvals(ctx, secret.ID); hist[0].Status != workspaces.ApprovalPending {
			t.Errorf("the other workspace's approval was decided: %+v", hist[0])
		}

		// CR/LF/NUL in an uploaded file's name (percent-encoded filename*).
		ctype, body := multipartUpload(`filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3D1%00.pdf`, "%PDF-1.4 evil")
		req, _ := http.NewRequest("POST", base+"/upload?folder=0&_csrf="+c.CSRF(), bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		resp := c.Do(req)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		l, err := svc.ListFolder(ctx, f.ws.ID, 0)
		if err != nil || len(l.Files) != 1 {
			t.Fatalf("listing: %v %+v", err, l)
		}
		name := l.Files[0].Name
		if strings.ContainsAny(name, "\r\n\x00") || name != "evilSet-Cookie: x=1.pdf" {
			t.Fatalf("stored name %q", name)
		}
		resp = c.Get(fmt.Sprintf("%s/files/%d/v/1/download", base, l.Files[0].ID))
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != http.StatusOK || string(got) != "%PDF-1.4 evil" || strings.ContainsAny(cd, "\r\n\x00") || len(resp.Header.Values("Set-Cookie")) > 0 && strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), ";"), "x=1") {
			t.Fatalf("download: %d %q %q", resp.StatusCode, cd, resp.Header.Values("Set-Cookie"))
		}

		// CR/LF/NUL in a folder name (form field).
		resp = c.PostForm(base+"/folders", apptest.Values("name", "Con\r\ntracts\x00", "parent", "0", "_csrf", c.CSRF()))
		resp.Body.Close()
		folders, _ := svc.AllFolders(ctx, f.ws.ID)
		if len(folders) != 1 || strings.ContainsAny(folders[0].Name, "\r\n\x00") || folders[0].Name != "Contracts" {
			t.Fatalf("folders: %+v", folders)
		}
		if page := apptest.Body(t, c.Get(base)); !strings.Contains(page, "Contracts") {
			t.Error("the folder is not listed")
		}
	})
}

// TestSameNameIgnoresCase: names are one file (or folder) per folder
// regardless of case, as Windows and macOS users expect.
func TestSameNameIgnoresCase(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc := f.a.Workspaces
		a, _, err := svc.Upload(ctx, f.team(), f.ws, workspaces.UploadInput{Name: "Report.pdf"}, strings.NewReader("%PDF-1.4 one"))
		if err != nil {
			t.Fatal(err)
		}
		b2, v2, err := svc.Upload(ctx, f.team(), f.ws, workspaces.UploadInput{Name: "REPORT.PDF"}, strings.NewReader("%PDF-1.4 two"))
		if err != nil {
			t.Fatal(err)
		}
		if b2.ID != a.ID || v2.Number != 2 || b2.Name != "Report.pdf" {
			t.Fatalf("REPORT.PDF after Report.pdf: file %d (want %d) %q version %d", b2.ID, a.ID, b2.Name, v2.Number)
		}
		if _, _, err := svc.Upload(ctx, f.team(), f.ws, workspaces.UploadInput{Name: "Report.pdf.txt"}, strings.NewReader("other")); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"apple.pdf", "Banana.pdf"} {
			if _, _, err := svc.Upload(ctx, f.team(), f.ws, workspaces.UploadInput{Name: name}, strings.NewReader(name)); err != nil {
				t.Fatal(err)
			}
		}
		// Listed by name as file managers sort, case ignored.
		l, _ := svc.ListFolder(ctx, f.ws.ID, 0)
		var names []string
		for _, fl := range l.Files {
			names = append(names, fl.Name)
		}
		if strings.Join(names, " ") != "apple.pdf Banana.pdf Report.pdf Report.pdf.txt" {
			t.Fatalf("listing order: %v", names)
		}
		if _, err := svc.CreateFolder(ctx, f.team(), f.ws.ID, 0, "Contracts"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateFolder(ctx, f.team(), f.ws.ID, 0, "contracts"); err == nil || !strings.Contains(err.Error(), "already a folder") {
			t.Fatalf("contracts after Contracts: %v", err)
		}
	})
}

// TestParallelUploadsOfOneName: 20 uploads of the same name at once (in
// two spellings) all succeed as versions 1..20 of one file, none lost,
// none numbered twice.
func TestParallelUploadsOfOneName(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		f := newFixture(t, b)
		svc := f.a.Workspaces
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				name := "same.pdf"
				if i%2 == 1 {
					name = "Same.PDF"
				}
				_, _, err := svc.Upload(ctx, f.team(), f.ws, workspaces.UploadInput{Name: name}, strings.NewReader(fmt.Sprintf("%%PDF-1.4 upload %d", i)))
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("upload: %v", err)
			}
		}
		l, err := svc.ListFolder(ctx, f.ws.ID, 0)
		if err != nil || len(l.Files) != 1 {
			t.Fatalf("files: %v %+v", err, l)
		}
		vs, err := svc.Versions(ctx, l.Files[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var nums []int
		shas := map[string]bool{}
		for _, v := range vs {
			nums = append(nums, v.Number)
			shas[v.SHA256] = true
		}
		sort.Ints(nums)
		for i, got := range nums {
			if got != i+1 {
				t.Fatalf("version numbers %v", nums)
			}
		}
		if len(nums) != n || len(shas) != n || l.Files[0].CurrentVersion != n {
			t.Fatalf("%d versions (%d distinct contents), current %d", len(nums), len(shas), l.Files[0].CurrentVersion)
		}
	})
}
