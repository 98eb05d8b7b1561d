package workspaces

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/validate"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Previewable content types: shown inline in the page (img, video, audio,
// an iframe for PDF). Everything else is only downloaded, and nothing is
// ever served as HTML, SVG or another type a browser would run.
var previewable = map[string]string{
	"image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
	"application/pdf": "pdf",
	"audio/mpeg":      "audio", "audio/ogg": "audio", "audio/wav": "audio", "audio/wave": "audio", "audio/webm": "audio", "audio/mp4": "audio", "audio/aac": "audio", "audio/flac": "audio",
	"video/mp4": "video", "video/webm": "video", "video/ogg": "video", "video/quicktime": "video",
}

// PreviewKind says how a content type is previewed: "image", "pdf",
// "audio", "video", or "" for download only.
func PreviewKind(contentType string) string { return previewable[contentType] }

// sniff peeks at the first bytes of r and decides the content type from
// the bytes (never from what the client claims). Media files the sniffer
// does not know keep an audio/video type from their extension, which is
// harmless: media elements run nothing.
func sniff(r io.Reader) (*bufio.Reader, string) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(512)
	ct, _, _ := strings.Cut(http.DetectContentType(head), ";")
	switch ct {
	case "application/ogg":
		ct = "audio/ogg"
	case "audio/wave":
		ct = "audio/wav"
	}
	return br, ct
}

// contentTypeFor settles the stored type of an upload named name whose
// bytes sniffed as sniffed.
func contentTypeFor(name, sniffed string) string {
	if _, ok := previewable[sniffed]; ok {
		return sniffed
	}
	if sniffed == "application/octet-stream" {
		if byExt, _, _ := strings.Cut(mime.TypeByExtension(strings.ToLower(path.Ext(name))), ";"); strings.HasPrefix(byExt, "audio/") || strings.HasPrefix(byExt, "video/") {
			if _, ok := previewable[byExt]; ok {
				return byExt
			}
		}
	}
	// Text (including HTML, which we never render) and anything else is
	// kept as what it is for the record but served as a download.
	return sniffed
}

// CleanName turns an uploaded file name into a safe display name: the
// last path element, no control characters, at most 255 bytes.
func CleanName(name string) string {
	// Streamed uploads skip the edge's input cleaning (web.CleanInput):
	// broken UTF-8 and NUL stop here instead.
	name = web.CleanText(name)
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	for len(name) > 255 {
		_, size := lastRune(name)
		name = name[:len(name)-size]
	}
	return name
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}

// Folder loads a folder of the workspace (id 0 is the top level, returned
// as a zero Folder).
func (s *Service) Folder(ctx context.Context, wsID, id int64) (*Folder, error) {
	if id == 0 {
		return &Folder{WorkspaceID: wsID}, nil
	}
	f := new(Folder)
	if err := scanOne(ctx, s.db.NewSelect().Model(f).Where("id = ? AND workspace_id = ?", id, wsID), "folder"); err != nil {
		return nil, err
	}
	return f, nil
}

// folderExists: ErrNotFound unless id is 0 or a folder of the workspace.
func folderExists(ctx context.Context, db bun.IDB, wsID, id int64) error {
	if id == 0 {
		return nil
	}
	ok, err := db.NewSelect().Model((*Folder)(nil)).Where("id = ? AND workspace_id = ?", id, wsID).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// Breadcrumbs returns the folders from the top level down to id.
func (s *Service) Breadcrumbs(ctx context.Context, wsID, id int64) ([]Folder, error) {
	var out []Folder
	for seen := 0; id != 0 && seen < 32; seen++ {
		f, err := s.Folder(ctx, wsID, id)
		if err != nil {
			return nil, err
		}
		out = append([]Folder{*f}, out...)
		id = f.ParentID
	}
	return out, nil
}

// AllFolders lists every folder of the workspace (for move/upload pickers).
func (s *Service) AllFolders(ctx context.Context, wsID int64) ([]Folder, error) {
	var out []Folder
	return out, s.db.NewSelect().Model(&out).Where("workspace_id = ?", wsID).Order("name_key").Scan(ctx)
}

// CreateFolder makes a folder under parentID.
func (s *Service) CreateFolder(ctx context.Context, by Actor, wsID, parentID int64, name string) (*Folder, error) {
	name = CleanName(name)
	if name == "" || len(name) > 200 {
		return nil, validate.Errors{"folder": "Name the folder (under 200 characters)."}
	}
	if _, err := s.Folder(ctx, wsID, parentID); err != nil {
		return nil, err
	}
	now := s.clock()
	f := &Folder{WorkspaceID: wsID, ParentID: parentID, Name: name, CreatedAt: now}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
			if isUnique(err) {
				return validate.Errors{"folder": "There is already a folder with that name here."}
			}
			return err
		}
		return record(ctx, tx, wsID, by, "folder.created", name, nil, now)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Listing is the content of one folder.
type Listing struct {
	Folders []Folder
	Files   []File
}

// ListFolder lists the subfolders and files of a folder, by name (case
// ignored, as file managers sort; the unique name_key index gives the
// order), with each file's latest approval state.
func (s *Service) ListFolder(ctx context.Context, wsID, folderID int64) (*Listing, error) {
	l := &Listing{}
	if err := s.db.NewSelect().Model(&l.Folders).Where("workspace_id = ? AND parent_id = ?", wsID, folderID).
		Order("name_key").Scan(ctx); err != nil {
		return nil, err
	}
	if err := s.db.NewSelect().Model(&l.Files).Where("workspace_id = ? AND folder_id = ?", wsID, folderID).
		Order("name_key").Scan(ctx); err != nil {
		return nil, err
	}
	if len(l.Files) == 0 {
		return l, nil
	}
	ids := make([]int64, len(l.Files))
	for i, f := range l.Files {
		ids[i] = f.ID
	}
	var states []struct {
		FileID int64  `bun:"file_id"`
		Status string `bun:"status"`
	}
	if err := s.db.NewSelect().Model((*Approval)(nil)).Column("file_id", "status").
		Where("id IN (SELECT MAX(id) FROM workspace_approvals WHERE file_id IN (?) GROUP BY file_id)", bun.In(ids)).
		Scan(ctx, &states); err != nil {
		return nil, err
	}
	byFile := make(map[int64]string, len(states))
	for _, st := range states {
		byFile[st.FileID] = st.Status
	}
	for i := range l.Files {
		l.Files[i].Approval = byFile[l.Files[i].ID]
	}
	return l, nil
}

// File loads a file of the workspace.
func (s *Service) File(ctx context.Context, wsID, id int64) (*File, error) {
	f := new(File)
	if err := scanOne(ctx, s.db.NewSelect().Model(f).Where("id = ? AND workspace_id = ?", id, wsID), "file"); err != nil {
		return nil, err
	}
	return f, nil
}

// Versions lists a file's versions, newest first.
func (s *Service) Versions(ctx context.Context, fileID int64) ([]Version, error) {
	var out []Version
	return out, s.db.NewSelect().Model(&out).Where("file_id = ?", fileID).Order("number DESC").Scan(ctx)
}

// Version loads version n of a file.
func (s *Service) Version(ctx context.Context, fileID int64, n int) (*Version, error) {
	v := new(Version)
	if err := scanOne(ctx, s.db.NewSelect().Model(v).Where("file_id = ? AND number = ?", fileID, n), "version"); err != nil {
		return nil, err
	}
	return v, nil
}

// OpenVersion opens a version's bytes.
func (s *Service) OpenVersion(ctx context.Context, v *Version) (files.Reader, error) {
	return s.files.Open(ctx, s.db, v.SHA256)
}

// UploadInput says where an upload goes.
type UploadInput struct {
	FolderID int64
	Name     string
	TaskID   int64 // completes this upload task, when not 0
}

// TooLargeError says an upload went over the limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("The file is larger than the limit of %d MB.", e.Limit>>20)
}

// Upload streams r into the file store and records it as a new file, or
// as the next version of the file with the same name in the same folder
// (case ignored: "Report.pdf" over "report.pdf" is version 2 of the file,
// which keeps its first name), resetting an open approval request onto the
// new version. The bytes are stored before the short transaction that
// records them, so a long upload holds no database lock; uploads of one
// name at the same time queue on the file's row and get the next numbers
// without gaps.
func (s *Service) Upload(ctx context.Context, by Actor, ws *Workspace, in UploadInput, r io.Reader) (*File, *Version, error) {
	return s.uploadTx(ctx, s.db, by, ws, in, r)
}

// uploadTx is Upload using db (s.db, or the caller's transaction).
func (s *Service) uploadTx(ctx context.Context, db bun.IDB, by Actor, ws *Workspace, in UploadInput, r io.Reader) (*File, *Version, error) {
	name := CleanName(in.Name)
	if name == "" {
		return nil, nil, validate.Errors{"files": "Choose a file to upload."}
	}
	if err := folderExists(ctx, db, ws.ID, in.FolderID); err != nil {
		return nil, nil, err
	}
	var task *Task
	if in.TaskID != 0 {
		t, err := s.Task(ctx, ws.ID, in.TaskID)
		if err != nil {
			return nil, nil, err
		}
		task = t
	}
	br, sniffed := sniff(r)
	blob, err := s.files.Put(ctx, db, br, s.max)
	if errors.Is(err, files.ErrTooLarge) {
		return nil, nil, &TooLargeError{Limit: s.max}
	}
	if err != nil {
		return nil, nil, err
	}
	ctype := contentTypeFor(name, sniffed)
	now := s.clock()
	f := new(File)
	v := &Version{SHA256: blob.SHA256, Size: blob.Size, ContentType: ctype, Author: by.Label,
		UserID: by.userID(), LinkID: by.linkID(), CreatedAt: now}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The file's row exists before it is locked: the first uploads of
		// a new name race on the insert, and all but one do nothing.
		fresh := &File{WorkspaceID: ws.ID, FolderID: in.FolderID, Name: name, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(fresh).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		q := tx.NewSelect().Model(f).Where("workspace_id = ? AND folder_id = ? AND name_key = ?", ws.ID, in.FolderID, NameKey(name))
		if database.IsPostgres(tx) {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		f.CurrentVersion++
		f.Size, f.ContentType, f.UpdatedAt = blob.Size, ctype, now
		if _, err := tx.NewUpdate().Model(f).Column("current_version", "size", "content_type", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		v.FileID, v.Number = f.ID, f.CurrentVersion
		if _, err := tx.NewInsert().Model(v).Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, ws.ID, by, "file.uploaded", fmt.Sprintf("%s (version %d)", f.Name, v.Number), &f.ID, now); err != nil {
			return err
		}
		if v.Number > 1 {
			if err := s.resetApproval(ctx, tx, ws, by, f, v, now); err != nil {
				return err
			}
		}
		if task != nil && task.DoneAt == nil && task.Kind == TaskUpload {
			return completeTask(ctx, tx, ws.ID, by, task, &f.ID, now)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return f, v, nil
}

// DeleteFile removes a file and all its versions (the account team's
// call); the activity feed keeps the record.
func (s *Service) DeleteFile(ctx context.Context, by Actor, wsID, fileID int64) error {
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		f := new(File)
		if err := scanOne(ctx, tx.NewSelect().Model(f).Where("id = ? AND workspace_id = ?", fileID, wsID), "file"); err != nil {
			return err
		}
		// Children first: SQLite enforces foreign keys only when asked.
		for _, q := range []*bun.DeleteQuery{
			tx.NewDelete().Model((*Decision)(nil)).Where("approval_id IN (SELECT id FROM workspace_approvals WHERE file_id = ?)", f.ID),
			tx.NewDelete().Model((*Reviewer)(nil)).Where("approval_id IN (SELECT id FROM workspace_approvals WHERE file_id = ?)", f.ID),
			tx.NewDelete().Model((*Approval)(nil)).Where("file_id = ?", f.ID),
			tx.NewDelete().Model((*Message)(nil)).Where("file_id = ?", f.ID),
			tx.NewDelete().Model((*Version)(nil)).Where("file_id = ?", f.ID),
		} {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewUpdate().Model((*Task)(nil)).Set("file_id = NULL").Where("file_id = ?", f.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(f).WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, wsID, by, "file.deleted", f.Name, nil, now)
	})
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
