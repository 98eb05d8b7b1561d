package workspaces

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/validate"
)

// ApprovalInput requests approval of a file's current version.
type ApprovalInput struct {
	// Reviewers are "user:<id>" (a client member) or "link:<id>" (whoever
	// holds that link); none means any client member or link holder.
	Reviewers []string
	DueOn     *time.Time
	Note      string
}

// Candidate is someone approval may be requested from.
type Candidate struct {
	Key   string // "user:<id>" or "link:<id>"
	Label string
}

// Candidates lists the client members and usable links of a workspace.
func (s *Service) Candidates(ctx context.Context, wsID int64) ([]Candidate, error) {
	_, clients, err := s.People(ctx, wsID)
	if err != nil {
		return nil, err
	}
	links, err := s.Links(ctx, wsID)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, p := range clients {
		out = append(out, Candidate{Key: "user:" + strconv.FormatInt(p.UserID, 10), Label: p.Label()})
	}
	now := s.clock()
	for _, l := range links {
		if l.Usable(now) {
			out = append(out, Candidate{Key: "link:" + strconv.FormatInt(l.ID, 10), Label: l.Name + " (private link)"})
		}
	}
	return out, nil
}

// RequestApproval asks for approval of a file's current version.
func (s *Service) RequestApproval(ctx context.Context, by Actor, ws *Workspace, fileID int64, in ApprovalInput) (*Approval, error) {
	f, err := s.File(ctx, ws.ID, fileID)
	if err != nil {
		return nil, err
	}
	v, err := s.Version(ctx, f.ID, f.CurrentVersion)
	if err != nil {
		return nil, err
	}
	cands, err := s.Candidates(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, c := range cands {
		labels[c.Key] = c.Label
	}
	var reviewers []Reviewer
	seen := map[string]bool{}
	for _, key := range in.Reviewers {
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		label, ok := labels[key]
		if !ok {
			return nil, validate.Errors{"reviewers": "Choose reviewers from the client's members and links."}
		}
		kind, idStr, _ := strings.Cut(key, ":")
		id, _ := strconv.ParseInt(idStr, 10, 64)
		r := Reviewer{Label: label}
		if kind == "user" {
			r.UserID = &id
		} else {
			r.LinkID = &id
		}
		reviewers = append(reviewers, r)
	}
	if len(in.Note) > 5000 {
		return nil, validate.Errors{"note": "Keep the note under 5000 characters."}
	}
	now := s.clock()
	a := &Approval{WorkspaceID: ws.ID, FileID: f.ID, VersionID: v.ID, Status: ApprovalPending, Note: strings.TrimSpace(in.Note),
		DueOn: in.DueOn, RequestedBy: by.Label, CreatedAt: now, Reviewers: reviewers}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// A new request replaces any open one on the file.
		if _, err := tx.NewUpdate().Model((*Approval)(nil)).Set("status = ?", ApprovalSuperseded).Set("closed_at = ?", now).
			Where("file_id = ? AND status = ?", f.ID, ApprovalPending).Exec(ctx); err != nil {
			return err
		}
		if err := insertApproval(ctx, tx, a); err != nil {
			return err
		}
		if err := record(ctx, tx, ws.ID, by, "approval.requested", fmt.Sprintf("%s (version %d)", f.Name, v.Number), &f.ID, now); err != nil {
			return err
		}
		return s.notifyClients(ctx, tx, ws, by, f.ID, "Approval requested: "+f.Name,
			fmt.Sprintf("%s asks you to review %s (version %d).", by.Label, f.Name, v.Number), s.fileURL(ws, f.ID))
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return a, nil
}

func insertApproval(ctx context.Context, tx bun.IDB, a *Approval) error {
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return err
	}
	for i := range a.Reviewers {
		a.Reviewers[i].ID = 0
		a.Reviewers[i].ApprovalID = a.ID
		if _, err := tx.NewInsert().Model(&a.Reviewers[i]).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// resetApproval moves the file's latest open or changes-requested request
// onto the new version v: the old one is closed as superseded (its
// decisions stay in the history) and a fresh pending request with the same
// reviewers and due date is opened.
func (s *Service) resetApproval(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, f *File, v *Version, now time.Time) error {
	last := new(Approval)
	err := tx.NewSelect().Model(last).Relation("Reviewers").Where("file_id = ?", f.ID).Order("id DESC").Limit(1).Scan(ctx)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if last.Status != ApprovalPending && last.Status != ApprovalChanges {
		return nil
	}
	if _, err := tx.NewUpdate().Model(last).Set("status = ?", ApprovalSuperseded).Set("closed_at = COALESCE(closed_at, ?)", now).
		WherePK().Exec(ctx); err != nil {
		return err
	}
	next := &Approval{WorkspaceID: ws.ID, FileID: f.ID, VersionID: v.ID, Status: ApprovalPending, Note: last.Note,
		DueOn: last.DueOn, RequestedBy: last.RequestedBy, CreatedAt: now, Reviewers: last.Reviewers}
	if err := insertApproval(ctx, tx, next); err != nil {
		return err
	}
	return record(ctx, tx, ws.ID, by, "approval.reset", fmt.Sprintf("%s (version %d)", f.Name, v.Number), &f.ID, now)
}

// Approvals lists every approval request on a file, newest first, with
// reviewers, decisions and the version number.
func (s *Service) Approvals(ctx context.Context, fileID int64) ([]Approval, error) {
	var out []Approval
	if err := s.db.NewSelect().Model(&out).Relation("Reviewers").
		Relation("Decisions", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("id") }).
		Where("file_id = ?", fileID).Order("id DESC").Scan(ctx); err != nil {
		return nil, err
	}
	versions, err := s.Versions(ctx, fileID)
	if err != nil {
		return nil, err
	}
	num := map[int64]int{}
	for _, v := range versions {
		num[v.ID] = v.Number
	}
	for i := range out {
		out[i].VersionNumber = num[out[i].VersionID]
	}
	return out, nil
}

// PendingApprovals lists open requests in a workspace (for its overview).
func (s *Service) PendingApprovals(ctx context.Context, wsID int64) ([]Approval, map[int64]string, error) {
	var out []Approval
	if err := s.db.NewSelect().Model(&out).Where("workspace_id = ? AND status = ?", wsID, ApprovalPending).Order("id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	for _, a := range out {
		if f, err := s.File(ctx, wsID, a.FileID); err == nil {
			names[a.FileID] = f.Name
		}
	}
	return out, names, nil
}

// MayDecide reports whether by may answer approval a: a client-side
// person, and one of its named reviewers when it names any.
func MayDecide(a *Approval, by Actor) bool {
	if by.Side != SideClient || a.Status != ApprovalPending {
		return false
	}
	if len(a.Reviewers) == 0 {
		return true
	}
	for _, r := range a.Reviewers {
		if (r.UserID != nil && *r.UserID == by.UserID && by.UserID != 0) || (r.LinkID != nil && *r.LinkID == by.LinkID && by.LinkID != 0) {
			return true
		}
	}
	return false
}

// Decide records a reviewer's approval or request for changes (which needs
// a comment). Changes requested by anyone settle the request; approval
// settles it once every named reviewer (or, with none named, anyone) has
// approved.
func (s *Service) Decide(ctx context.Context, by Actor, ws *Workspace, approvalID int64, decision, comment string) (*Approval, error) {
	comment = strings.TrimSpace(comment)
	if decision != ApprovalApproved && decision != ApprovalChanges {
		return nil, validate.Errors{"decision": "Approve, or request changes."}
	}
	if decision == ApprovalChanges && comment == "" {
		return nil, validate.Errors{"comment": "Say what should change."}
	}
	if len(comment) > 5000 {
		return nil, validate.Errors{"comment": "Keep the comment under 5000 characters."}
	}
	now := s.clock()
	a := new(Approval)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := scanOne(ctx, tx.NewSelect().Model(a).Relation("Reviewers").Relation("Decisions").
			Where("?TableAlias.id = ? AND ?TableAlias.workspace_id = ?", approvalID, ws.ID), "approval"); err != nil {
			return err
		}
		if a.Status != ApprovalPending {
			return ErrClosed
		}
		if !MayDecide(a, by) {
			return ErrNotReviewer
		}
		d := &Decision{ApprovalID: a.ID, Decision: decision, Comment: comment, Author: by.Label, UserID: by.userID(), LinkID: by.linkID(), CreatedAt: now}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		a.Decisions = append(a.Decisions, *d)
		status := settle(a)
		if status != ApprovalPending {
			if _, err := tx.NewUpdate().Model(a).Set("status = ?", status).Set("closed_at = ?", now).WherePK().Exec(ctx); err != nil {
				return err
			}
			a.Status = status
		}
		f, err := s.File(ctx, ws.ID, a.FileID)
		if err != nil {
			return err
		}
		subject := f.Name
		if comment != "" {
			subject += ": " + comment
		}
		if err := record(ctx, tx, ws.ID, by, "approval."+decision, subject, &f.ID, now); err != nil {
			return err
		}
		word := "approved"
		if decision == ApprovalChanges {
			word = "requested changes to"
		}
		body := fmt.Sprintf("%s %s %s.", by.Label, word, f.Name)
		if comment != "" {
			body += "\n\n" + comment
		}
		return s.notifyTeam(ctx, tx, ws, by, f.ID, strings.ToUpper(word[:1])+word[1:]+": "+f.Name, body, s.fileURL(ws, f.ID))
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return a, nil
}

// settle computes a request's state from its decisions: each reviewer's
// latest decision counts.
func settle(a *Approval) string {
	latest := map[string]string{}
	for _, d := range a.Decisions {
		key := d.Author
		if d.UserID != nil {
			key = "user:" + strconv.FormatInt(*d.UserID, 10)
		} else if d.LinkID != nil {
			key = "link:" + strconv.FormatInt(*d.LinkID, 10)
		}
		latest[key] = d.Decision
	}
	for _, dec := range latest {
		if dec == ApprovalChanges {
			return ApprovalChanges
		}
	}
	if len(a.Reviewers) == 0 {
		if len(latest) > 0 {
			return ApprovalApproved
		}
		return ApprovalPending
	}
	for _, r := range a.Reviewers {
		key := ""
		if r.UserID != nil {
			key = "user:" + strconv.FormatInt(*r.UserID, 10)
		} else if r.LinkID != nil {
			key = "link:" + strconv.FormatInt(*r.LinkID, 10)
		}
		if latest[key] != ApprovalApproved {
			return ApprovalPending
		}
	}
	return ApprovalApproved
}
