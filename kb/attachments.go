package kb

import (
	"context"
	"fmt"
	"io"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/files"
)

// Attachment bytes live in the file store (platform/files); kb_attachments
// holds the name, sniffed type, size and the blob's SHA-256.

// Attachments lists an article's files, oldest first.
func (s *Service) Attachments(ctx context.Context, articleID int64) ([]Attachment, error) {
	var out []Attachment
	err := s.db.NewSelect().Model(&out).Where("article_id = ?", articleID).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	return out, nil
}

// AddAttachment stores r (at most max bytes, else an error matching
// files.ErrTooLarge and nothing stored) as a file of the article, under
// filename with the content type the caller sniffed, in one transaction.
func (s *Service) AddAttachment(ctx context.Context, articleID int64, filename, contentType string, r io.Reader, max int64) (*Attachment, error) {
	att := &Attachment{ArticleID: &articleID, Filename: filename, ContentType: contentType, CreatedAt: s.now()}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := getArticle(ctx, tx, articleID); err != nil {
			return err
		}
		blob, err := s.files.Put(ctx, tx, r, max)
		if err != nil {
			return err
		}
		att.Size, att.SHA256 = blob.Size, blob.SHA256
		if _, err := tx.NewInsert().Model(att).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return att, nil
}

// DeleteAttachment removes a file from an article (ErrNotFound when the
// article has no such file). The bytes stay in the file store, which may
// share them with other rows.
func (s *Service) DeleteAttachment(ctx context.Context, articleID, id int64) error {
	res, err := s.db.NewDelete().Model((*Attachment)(nil)).Where("id = ? AND article_id = ?", id, articleID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete attachment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Attachment returns a file's row and whether its article is published
// (which decides who may fetch it), without its bytes.
func (s *Service) Attachment(ctx context.Context, id int64) (att *Attachment, published bool, err error) {
	att = new(Attachment)
	if err := scanOne(ctx, s.db.NewSelect().Model(att).Where("id = ?", id), "attachment"); err != nil {
		return nil, false, err
	}
	if att.ArticleID != nil {
		published, err = s.db.NewSelect().Model((*Article)(nil)).
			Where("id = ? AND status = ?", *att.ArticleID, StatusPublished).Exists(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("attachment article: %w", err)
		}
	}
	return att, published, nil
}

// OpenAttachment streams a file's bytes from the file store.
func (s *Service) OpenAttachment(ctx context.Context, att *Attachment) (files.Reader, error) {
	r, err := s.files.Open(ctx, s.db, att.SHA256)
	if err != nil {
		return nil, fmt.Errorf("attachment %d: %w", att.ID, err)
	}
	return r, nil
}
