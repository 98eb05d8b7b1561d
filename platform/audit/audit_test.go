package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestWriteAndList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		id := int64(7)
		long := strings.Repeat("é", audit.MaxDetail+10)
		for i, e := range []audit.Entry{
			{Action: "article.publish", ActorEmail: "Alice@x.test", TargetType: "article", TargetID: &id, CreatedAt: now},
			{Action: "article.archive", ActorEmail: "bob@x.test", TargetType: "article", TargetID: &id, CreatedAt: now.Add(time.Second), Detail: long},
			{Action: "login.success", ActorEmail: "alice@x.test", CreatedAt: now.Add(2 * time.Second)},
		} {
			if err := audit.Write(ctx, db, e); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		rows, more, err := audit.List(ctx, db, audit.Filter{TargetType: "article", TargetID: id})
		if err != nil || more || len(rows) != 2 || rows[0].Action != "article.archive" {
			t.Fatalf("list by target = %+v, %v, %v", rows, more, err)
		}
		if n := utf8.RuneCountInString(rows[0].Detail); n != audit.MaxDetail || !utf8.ValidString(rows[0].Detail) {
			t.Fatalf("detail kept %d characters (valid %v), want %d", n, utf8.ValidString(rows[0].Detail), audit.MaxDetail)
		}
		rows, _, err = audit.List(ctx, db, audit.Filter{Actor: "ALICE"})
		if err != nil || len(rows) != 2 {
			t.Fatalf("list by actor = %d rows, %v", len(rows), err)
		}
		rows, more, err = audit.List(ctx, db, audit.Filter{Limit: 1})
		if err != nil || !more || len(rows) != 1 || rows[0].Action != "login.success" {
			t.Fatalf("first page = %+v, more %v, %v", rows, more, err)
		}
		acts, err := audit.Actions(ctx, db)
		if err != nil || strings.Join(acts, ",") != "article.archive,article.publish,login.success" {
			t.Fatalf("actions = %v, %v", acts, err)
		}
	})
}
