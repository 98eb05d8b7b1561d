package tickets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// LoadSpec shapes generated benchmark data.
type LoadSpec struct {
	Tickets     int     // e.g. 100,000
	MessagesPer int     // messages per ticket (e.g. 5 → 500,000)
	Requesters  []int64 // customer user ids
	Agents      []int64 // agent user ids
	Orgs        map[int64]int64
	Seed        uint64
	// Long is one ticket number that gets LongMessages messages (the
	// "ticket page with 50 messages" benchmark); 0 for none.
	LongMessages int
}

var loadWords = strings.Fields(`account access address api attachment billing browser cancel card change charge
	check close code confirm connect credit customer dashboard data delete download email error export failed
	file help import invoice issue link login mail message mobile number order page password payment phone plan
	print problem profile refund report reset send server setting setup share sign slow subscription support sync
	team ticket time token trial update upgrade upload user verify wrong`)

var loadTags = strings.Fields("billing bug vip refund export login mobile api outage feature sla-risk onboarding invoice sso email urgent-review legal churn-risk beta partner")

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = loadWords[r.IntN(len(loadWords))]
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// BulkLoad writes generated tickets straight into the tables in large
// batches (no timeline, no outbox: benchmark data, not demo data), then
// appends one change-log row per ticket so an index rebuild sees them.
// Shape: statuses new 5% open 15% pending 10% on-hold 5% solved 25%
// closed 40%; priorities low 20% normal 50% high 20% urgent 10%; 60% of
// open tickets assigned; 0-3 tags of 20; created over the past year;
// messages of 12-40 words, every fifth an internal note.
func BulkLoad(ctx context.Context, db *bun.DB, spec LoadSpec) error {
	r := rand.New(rand.NewPCG(spec.Seed, 42))
	now := time.Now().UTC().Truncate(time.Second)
	pickStatus := func() string {
		x := r.IntN(100)
		switch {
		case x < 5:
			return StatusNew
		case x < 20:
			return StatusOpen
		case x < 30:
			return StatusPending
		case x < 35:
			return StatusOnHold
		case x < 60:
			return StatusSolved
		}
		return StatusClosed
	}
	pickPrio := func() string {
		x := r.IntN(100)
		switch {
		case x < 20:
			return PriorityLow
		case x < 70:
			return PriorityNormal
		case x < 90:
			return PriorityHigh
		}
		return PriorityUrgent
	}
	const batch = 500
	var next int64
	if err := db.NewSelect().Table("ticket_counters").Column("value").Where("name = 'ticket_number'").Scan(ctx, &next); err != nil {
		return err
	}
	for start := 0; start < spec.Tickets; start += batch {
		n := min(batch, spec.Tickets-start)
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			ts := make([]Ticket, n)
			for i := range ts {
				next++
				created := now.Add(-time.Duration(r.IntN(365*24*3600)) * time.Second)
				st := pickStatus()
				pr := pickPrio()
				req := spec.Requesters[r.IntN(len(spec.Requesters))]
				t := Ticket{Number: next, Subject: sentence(r, 3+r.IntN(5)), Status: st, IsOpen: IsOpenStatus(st),
					Priority: pr, PriorityRank: PriorityRank(pr), Channel: Channels[r.IntN(len(Channels))],
					RequesterID: req, CreatedAt: created, UpdatedAt: created.Add(time.Duration(r.IntN(72*3600)) * time.Second)}
				if t.UpdatedAt.After(now) {
					t.UpdatedAt = now
				}
				if org, ok := spec.Orgs[req]; ok && org != 0 {
					o := org
					t.OrgID = &o
				}
				if len(spec.Agents) > 0 && (!t.IsOpen || r.IntN(100) < 60) {
					a := spec.Agents[r.IntN(len(spec.Agents))]
					t.AssigneeID = &a
				}
				target := DefaultSLA[pr]
				fd, rd := created.Add(target.FirstResponse), created.Add(target.Resolution)
				t.FirstResponseDueAt, t.ResolutionDueAt = &fd, &rd
				if st != StatusNew {
					fr := created.Add(time.Duration(r.IntN(int(target.FirstResponse/time.Second)*2+1)) * time.Second)
					t.FirstResponseAt = &fr
				}
				if !t.IsOpen {
					sv := t.UpdatedAt
					t.SolvedAt = &sv
				}
				t.SLADueAt = nextDue(&t)
				var tags []string
				for k := r.IntN(4); k > 0; k-- {
					tags = append(tags, loadTags[r.IntN(len(loadTags))])
				}
				t.Tags = strings.Join(dedupeStrings(tags), " ")
				t.MessageCount = spec.MessagesPer
				if spec.LongMessages > 0 && start == 0 && i == 0 {
					t.MessageCount = spec.LongMessages
				}
				ts[i] = t
			}
			if _, err := tx.NewInsert().Model(&ts).Exec(ctx); err != nil {
				return fmt.Errorf("insert tickets: %w", err)
			}
			var ms []Message
			var tags []ticketTag
			var cs []change
			for i := range ts {
				t := &ts[i]
				for _, tg := range t.TagList() {
					tags = append(tags, ticketTag{TicketID: t.ID, Tag: tg})
				}
				cs = append(cs, change{TicketID: t.ID, CreatedAt: now})
				for k := 0; k < t.MessageCount; k++ {
					author := t.RequesterID
					public := true
					if k%2 == 1 && len(spec.Agents) > 0 {
						author = spec.Agents[r.IntN(len(spec.Agents))]
						public = k%5 != 4
					}
					ms = append(ms, Message{TicketID: t.ID, AuthorID: &author, Public: public, Channel: t.Channel,
						Text: sentence(r, 12+r.IntN(28)), CreatedAt: t.CreatedAt.Add(time.Duration(k) * time.Hour)})
				}
			}
			for i := 0; i < len(ms); i += 1000 {
				part := ms[i:min(i+1000, len(ms))]
				if _, err := tx.NewInsert().Model(&part).Exec(ctx); err != nil {
					return fmt.Errorf("insert messages: %w", err)
				}
			}
			if len(tags) > 0 {
				if _, err := tx.NewInsert().Model(&tags).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
					return err
				}
			}
			if _, err := tx.NewInsert().Model(&cs).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewUpdate().Table("ticket_counters").Set("value = ?", next).Where("name = 'ticket_number'").Exec(ctx)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func dedupeStrings(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
