package workspaces

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/validate"
)

// TaskInput gives the client a task.
type TaskInput struct {
	Title   string
	Details string
	Kind    string // TaskTick or TaskUpload
	DueOn   *time.Time
}

func (in *TaskInput) validate() validate.Errors {
	fe := validate.Errors{}
	in.Title = strings.TrimSpace(in.Title)
	in.Details = strings.TrimSpace(in.Details)
	if in.Title == "" || len(in.Title) > 200 {
		fe.Add("title", "Say what the client should do (under 200 characters).")
	}
	if len(in.Details) > 5000 {
		fe.Add("details", "Keep the details under 5000 characters.")
	}
	if in.Kind != TaskTick && in.Kind != TaskUpload {
		fe.Add("kind", "Choose how the task is completed.")
	}
	return fe
}

// Task loads a task of the workspace.
func (s *Service) Task(ctx context.Context, wsID, id int64) (*Task, error) {
	t := new(Task)
	if err := scanOne(ctx, s.db.NewSelect().Model(t).Where("id = ? AND workspace_id = ?", id, wsID), "task"); err != nil {
		return nil, err
	}
	return t, nil
}

// Tasks lists a workspace's tasks: open ones first (by due date), then done.
func (s *Service) Tasks(ctx context.Context, wsID int64) ([]Task, error) {
	var out []Task
	err := s.db.NewSelect().Model(&out).Where("workspace_id = ?", wsID).
		OrderExpr("CASE WHEN done_at IS NULL THEN 0 ELSE 1 END").
		OrderExpr("CASE WHEN due_on IS NULL THEN 1 ELSE 0 END").Order("due_on", "position", "id").Scan(ctx)
	return out, err
}

// CreateTask gives the client a task and tells them by email.
func (s *Service) CreateTask(ctx context.Context, by Actor, ws *Workspace, in TaskInput) (*Task, error) {
	if fe := in.validate(); fe.Any() {
		return nil, fe
	}
	now := s.clock()
	t := &Task{WorkspaceID: ws.ID, Title: in.Title, Details: in.Details, Kind: in.Kind, DueOn: in.DueOn, CreatedAt: now}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, ws.ID, by, "task.created", t.Title, nil, now); err != nil {
			return err
		}
		body := fmt.Sprintf("%s gave you a task in %s: %s", by.Label, ws.Name, t.Title)
		if t.DueOn != nil {
			body += " (due " + t.DueOn.Format("2 Jan 2006") + ")"
		}
		return s.notifyClients(ctx, tx, ws, by, 0, "New task: "+t.Title, body, s.wsURL(ws)+"#tasks")
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return t, nil
}

// TickTask completes a tick-off task.
func (s *Service) TickTask(ctx context.Context, by Actor, ws *Workspace, taskID int64) error {
	now := s.clock()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t := new(Task)
		if err := scanOne(ctx, tx.NewSelect().Model(t).Where("id = ? AND workspace_id = ?", taskID, ws.ID), "task"); err != nil {
			return err
		}
		if t.DoneAt != nil {
			return nil
		}
		if t.Kind != TaskTick {
			return validate.Errors{"task": "Complete this task by uploading the document it asks for."}
		}
		return completeTask(ctx, tx, ws.ID, by, t, nil, now)
	})
}

func completeTask(ctx context.Context, tx bun.IDB, wsID int64, by Actor, t *Task, fileID *int64, now time.Time) error {
	t.DoneAt, t.DoneBy, t.FileID = &now, by.Label, fileID
	if _, err := tx.NewUpdate().Model(t).Column("done_at", "done_by", "file_id").WherePK().Exec(ctx); err != nil {
		return err
	}
	return record(ctx, tx, wsID, by, "task.done", t.Title, fileID, now)
}

// Checklist returns the onboarding checklist template.
func (s *Service) Checklist(ctx context.Context) ([]ChecklistItem, error) {
	var out []ChecklistItem
	return out, s.db.NewSelect().Model(&out).Order("position", "id").Scan(ctx)
}

// ChecklistInput is one template line.
type ChecklistInput struct {
	Title   string
	Details string
	Kind    string
	DueDays int
}

// AddChecklistItem appends a line to the onboarding checklist.
func (s *Service) AddChecklistItem(ctx context.Context, in ChecklistInput) error {
	ti := TaskInput{Title: in.Title, Details: in.Details, Kind: in.Kind}
	fe := ti.validate()
	if in.DueDays < 0 || in.DueDays > 365 {
		fe.Add("due_days", "Use 0 to 365 days.")
	}
	if fe.Any() {
		return fe
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var pos int
		if err := tx.NewSelect().Model((*ChecklistItem)(nil)).ColumnExpr("COALESCE(MAX(position), 0)").Scan(ctx, &pos); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&ChecklistItem{Position: pos + 1, Title: ti.Title, Details: ti.Details, Kind: ti.Kind,
			DueDays: in.DueDays, CreatedAt: s.clock()}).Exec(ctx)
		return err
	})
}

// DeleteChecklistItem removes a template line.
func (s *Service) DeleteChecklistItem(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*ChecklistItem)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// applyChecklist copies the onboarding checklist into a new workspace.
func applyChecklist(ctx context.Context, tx bun.IDB, wsID int64, now time.Time) error {
	var items []ChecklistItem
	if err := tx.NewSelect().Model(&items).Order("position", "id").Scan(ctx); err != nil {
		return err
	}
	for _, it := range items {
		t := &Task{WorkspaceID: wsID, Title: it.Title, Details: it.Details, Kind: it.Kind, Position: it.Position, CreatedAt: now}
		if it.DueDays > 0 {
			due := now.AddDate(0, 0, it.DueDays)
			t.DueOn = &due
		}
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// RemindOverdue emails both sides about open tasks past their due date,
// once per task and due date (a task given a new due date is reminded of
// again when that one passes), and returns how many tasks it reminded of.
func (s *Service) RemindOverdue(ctx context.Context) (int, error) {
	now := s.clock()
	var due []Task
	if err := s.db.NewSelect().Model(&due).Where("done_at IS NULL AND due_on < ?", now).
		Where("reminded_at IS NULL OR reminded_at < due_on").Order("workspace_id", "id").Limit(500).Scan(ctx); err != nil {
		return 0, err
	}
	n := 0
	for i := range due {
		t := &due[i]
		ws, err := s.ByID(ctx, t.WorkspaceID)
		if err != nil {
			return n, err
		}
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewUpdate().Model(t).Set("reminded_at = ?", now).WherePK().
				Where("reminded_at IS NULL OR reminded_at < due_on").Exec(ctx)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another node reminded first
			}
			body := fmt.Sprintf("The task “%s” in %s was due on %s and is still open.", t.Title, ws.Name, t.DueOn.Format("2 Jan 2006"))
			sys := Actor{Label: "Reminder"}
			if err := s.notifyClients(ctx, tx, ws, sys, 0, "Overdue: "+t.Title, body, s.wsURL(ws)+"#tasks"); err != nil {
				return err
			}
			n++
			return s.notifyTeam(ctx, tx, ws, sys, 0, "Overdue: "+t.Title, body, s.wsURL(ws)+"#tasks")
		})
		if err != nil {
			return n, err
		}
	}
	if n > 0 {
		s.wake()
	}
	return n, nil
}

// Reminder is the worker that sends overdue-task reminders.
type Reminder struct {
	S     *Service
	Every time.Duration
}

// Run reminds until ctx is cancelled.
func (r *Reminder) Run(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = 15 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.S.RemindOverdue(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
