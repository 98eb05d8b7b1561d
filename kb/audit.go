package kb

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/audit"
)

// Audit actions the knowledge base records (target type "article"). Plain
// edits are not audited: the revision history already says who changed
// what.
const (
	ActionPublish         = "article.publish"
	ActionUnpublish       = "article.unpublish"
	ActionArchive         = "article.archive"
	ActionRestore         = "article.restore" // out of the archive, as a draft
	ActionDelete          = "article.delete"
	ActionRestoreRevision = "article.revision_restore"
)

// statusAction names the audited event of a status change, or "" when
// there is none (an edit, or a new draft).
func statusAction(before, after string) string {
	switch {
	case before == after:
		return ""
	case after == StatusPublished:
		return ActionPublish
	case after == StatusArchived:
		return ActionArchive
	case before == StatusPublished && after == StatusDraft:
		return ActionUnpublish
	case before == StatusArchived && after == StatusDraft:
		return ActionRestore
	}
	return ""
}

// auditStatus records a's change of status from before ("" for a new
// article) in tx, if it is one worth auditing.
func auditStatus(ctx context.Context, tx bun.IDB, by *audit.Entry, a *Article, before string) error {
	action := statusAction(before, a.Status)
	if action == "" {
		return nil
	}
	return writeAudit(ctx, tx, by, action, a.ID, fmt.Sprintf("“%s” (%s)", a.Title, a.Slug))
}

// writeAudit records action on article id through the one audit writer,
// in the change's transaction. by carries the actor and IP (built by the
// handler with identity.AuditEntry); nil is the system.
func writeAudit(ctx context.Context, tx bun.IDB, by *audit.Entry, action string, id int64, detail string) error {
	var e audit.Entry
	if by != nil {
		e = *by
	}
	e.Action, e.TargetType, e.TargetID, e.Detail = action, "article", &id, detail
	if err := audit.Write(ctx, tx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// actorOf is the user recorded as a revision's author.
func actorOf(by *audit.Entry) *int64 {
	if by == nil {
		return nil
	}
	return by.ActorID
}
