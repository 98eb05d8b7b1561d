package workspaces

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/audit"
)

// record appends one line to the workspace's activity feed (in the
// caller's transaction, so the feed never claims what did not happen).
func record(ctx context.Context, db bun.IDB, wsID int64, by Actor, action, subject string, fileID *int64, now time.Time) error {
	if len(subject) > 500 {
		subject = subject[:500]
	}
	actor := by.Label
	if actor == "" {
		actor = "system"
	}
	if _, err := db.NewInsert().Model(&Activity{
		WorkspaceID: wsID, Actor: actor, UserID: by.userID(), LinkID: by.linkID(),
		Action: action, Subject: subject, FileID: fileID, IP: by.IP, CreatedAt: now,
	}).Exec(ctx); err != nil {
		return err
	}
	// Who may get in is also the portal-wide audit log's business.
	if securityActions[action] {
		id := wsID
		return audit.Write(ctx, db, audit.Entry{ActorID: by.userID(), ActorEmail: by.Email, Action: "workspace." + action,
			TargetType: "workspace", TargetID: &id, Detail: subject, IP: by.IP, CreatedAt: now})
	}
	return nil
}

var securityActions = map[string]bool{
	"workspace.created": true, "person.added.team": true, "person.added.client": true, "person.removed": true,
	"link.created": true, "link.rotated": true, "link.revoked": true,
}

// Record logs an event that changes nothing else (a view, a download, a
// link opened).
func (s *Service) Record(ctx context.Context, wsID int64, by Actor, action, subject string, fileID *int64) error {
	return record(ctx, s.db, wsID, by, action, subject, fileID, s.clock())
}

// Activity returns the newest feed lines, before id `before` (0: newest).
func (s *Service) Activity(ctx context.Context, wsID int64, before int64, limit int) ([]Activity, error) {
	var out []Activity
	q := s.db.NewSelect().Model(&out).Where("workspace_id = ?", wsID).Order("id DESC").Limit(int64(limit))
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	return out, q.Scan(ctx)
}

// activityLabels say each action in words.
var activityLabels = map[string]string{
	"workspace.created":          "opened the workspace",
	"workspace.settings":         "changed the settings",
	"workspace.logo":             "changed the logo",
	"person.added.team":          "added to the account team",
	"person.added.client":        "added as a client member",
	"person.removed":             "removed",
	"link.created":               "created the private link",
	"link.rotated":               "rotated the private link",
	"link.revoked":               "revoked the private link",
	"link.opened":                "opened the workspace through the link",
	"link.code_sent":             "asked for a one-time code",
	"folder.created":             "created the folder",
	"file.uploaded":              "uploaded",
	"file.viewed":                "viewed",
	"file.downloaded":            "downloaded",
	"file.deleted":               "deleted",
	"approval.requested":         "requested approval of",
	"approval.approved":          "approved",
	"approval.changes_requested": "requested changes to",
	"approval.reset":             "reset the approval with a new version of",
	"task.created":               "gave the task",
	"task.done":                  "completed the task",
	"message.posted":             "wrote in the conversation",
	"message.emailed":            "replied by email",
	"comment.posted":             "commented on",
	"comment.emailed":            "commented by email on",
	"message.ticket":             "turned a message into ticket",
}

// ActionLabel says an activity action in words.
func ActionLabel(action string) string {
	if l, ok := activityLabels[action]; ok {
		return l
	}
	return action
}

// ExportCSV writes the workspace's whole audit trail, oldest first, as CSV.
// Cells that a spreadsheet would run as a formula are quoted with a
// leading apostrophe.
func (s *Service) ExportCSV(ctx context.Context, wsID int64, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "actor", "via", "action", "subject", "file_id", "ip"}); err != nil {
		return err
	}
	var last int64
	for {
		var batch []Activity
		if err := s.db.NewSelect().Model(&batch).Where("workspace_id = ?", wsID).Where("id > ?", last).
			Order("id").Limit(1000).Scan(ctx); err != nil {
			return err
		}
		for _, a := range batch {
			via := "account"
			if a.LinkID != nil {
				via = "link " + strconv.FormatInt(*a.LinkID, 10)
			} else if a.UserID == nil {
				via = "system"
			}
			file := ""
			if a.FileID != nil {
				file = strconv.FormatInt(*a.FileID, 10)
			}
			row := []string{a.CreatedAt.UTC().Format(time.RFC3339), a.Actor, via, a.Action, a.Subject, file, a.IP}
			for i := range row {
				row[i] = csvSafe(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
			last = a.ID
		}
		if len(batch) < 1000 {
			break
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
