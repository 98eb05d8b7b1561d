package inbound_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/mail/inbound"
)

// fixtureKey signs the Message-IDs in the corpus (gen_corpus.py uses the
// same key).
var fixtureKey = []byte("fixture-key")

var fixtureOpts = inbound.ClassifyOptions{
	SupportAddresses: []string{"support@frontdesk.test"},
	OwnMessageID: func(id string) bool {
		_, ok := fdmail.VerifyMessageID(fixtureKey, id)
		return ok
	},
}

// expectation is one entry of testdata/expected.json (written by
// testdata/gen_corpus.py next to the .eml it describes).
type expectation struct {
	Kind            string         `json:"kind"`
	ReasonContains  string         `json:"reason_contains"`
	Subject         *string        `json:"subject"`
	FromAddr        string         `json:"from_addr"`
	FromName        string         `json:"from_name"`
	MessageID       *string        `json:"message_id"`
	TextContains    []string       `json:"text_contains"`
	TextNotContains []string       `json:"text_not_contains"`
	TextExact       *string        `json:"text_exact"`
	HTMLContains    []string       `json:"html_contains"`
	HTMLNotContains []string       `json:"html_not_contains"`
	Attachments     []string       `json:"attachments"`
	AttachmentSizes map[string]int `json:"attachment_sizes"`
	Inline          []string       `json:"inline"`
	Unparsed        bool           `json:"unparsed"`
	Recipient       string         `json:"recipient"`
	OriginalID      string         `json:"original_id"`
	Status          string         `json:"status"`
	InReplyTo       []string       `json:"in_reply_to"`
	ReferencesCount int            `json:"references_count"`
	ThreadFirst     string         `json:"thread_first"`
	Cc              []string       `json:"cc"`
	Visible         *string        `json:"visible"`
	QuotedContains  []string       `json:"quoted_contains"`
	TicketToken     int64          `json:"ticket_token"`
	PlusTicket      int64          `json:"plus_ticket"`
	OwnThreadTag    *string        `json:"own_thread_tag"`
}

func loadCorpus(t testing.TB) map[string]expectation {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]expectation
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

// TestCorpus parses and classifies every fixture and checks the outcome a
// user would see: who it is from, the subject and text in the right
// characters, the attachments by name, inline images, the decision and
// its evidence, the threading data and quote folding.
func TestCorpus(t *testing.T) {
	exp := loadCorpus(t)
	if len(exp) < 60 {
		t.Fatalf("corpus has %d fixtures, want at least 60", len(exp))
	}
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	if len(files) != len(exp) {
		t.Fatalf("%d .eml files but %d expectations", len(files), len(exp))
	}
	kinds := map[string]int{}
	for _, name := range sortedKeys(exp) {
		e := exp[name]
		kinds[e.Kind]++
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/corpus/" + name + ".eml")
			if err != nil {
				t.Fatal(err)
			}
			m := inbound.ParseAndClassify(raw, fixtureOpts)
			checkMessage(t, m, e)
		})
	}
	t.Logf("corpus: %d fixtures, kinds %v", len(exp), kinds)
}

func checkMessage(t *testing.T, m *inbound.Message, e expectation) {
	t.Helper()
	if string(m.Class.Kind) != e.Kind {
		t.Errorf("kind %q (%s), want %q", m.Class.Kind, m.Class.Reason, e.Kind)
	}
	if m.Class.Reason == "" {
		t.Error("no reason recorded")
	}
	if e.ReasonContains != "" && !strings.Contains(m.Class.Reason, e.ReasonContains) {
		t.Errorf("reason %q, want it to mention %q", m.Class.Reason, e.ReasonContains)
	}
	if m.Unparsed != e.Unparsed {
		t.Errorf("unparsed = %v (%v), want %v", m.Unparsed, m.ParseErrors, e.Unparsed)
	}
	if e.Subject != nil && m.Subject != *e.Subject {
		t.Errorf("subject %q, want %q", m.Subject, *e.Subject)
	}
	if e.FromAddr != "" && m.FromAddress() != e.FromAddr {
		t.Errorf("from %q, want %q", m.FromAddress(), e.FromAddr)
	}
	if e.FromName != "" && m.From.Name != e.FromName {
		t.Errorf("from name %q, want %q", m.From.Name, e.FromName)
	}
	if m.FromAddress() == "" {
		t.Error("no From address")
	}
	if e.MessageID != nil && m.MessageID != *e.MessageID {
		t.Errorf("message id %q, want %q", m.MessageID, *e.MessageID)
	}
	for _, s := range e.TextContains {
		if !strings.Contains(m.Text, s) {
			t.Errorf("text lacks %q:\n%s", s, m.Text)
		}
	}
	for _, s := range e.TextNotContains {
		if strings.Contains(m.Text, s) {
			t.Errorf("text has %q:\n%s", s, m.Text)
		}
	}
	if e.TextExact != nil && m.Text != *e.TextExact {
		t.Errorf("text %q, want %q", m.Text, *e.TextExact)
	}
	for _, s := range e.HTMLContains {
		if !strings.Contains(m.HTML, s) {
			t.Errorf("html lacks %q:\n%s", s, m.HTML)
		}
	}
	for _, s := range e.HTMLNotContains {
		if strings.Contains(strings.ToLower(m.HTML), strings.ToLower(s)) {
			t.Errorf("html has %q:\n%s", s, m.HTML)
		}
	}
	var names, inline []string
	for _, a := range m.Attachments {
		names = append(names, a.Filename)
		if a.Inline {
			inline = append(inline, a.Filename)
		}
		if want, ok := e.AttachmentSizes[a.Filename]; ok && a.Size() != want {
			t.Errorf("attachment %s has %d bytes, want %d", a.Filename, a.Size(), want)
		}
		if a.ContentType == "" {
			t.Errorf("attachment %s has no content type", a.Filename)
		}
	}
	sort.Strings(names)
	if e.Attachments != nil {
		want := slices.Clone(e.Attachments)
		sort.Strings(want)
		if !slices.Equal(names, want) {
			t.Errorf("attachments %q, want %q", names, want)
		}
	}
	if e.Inline != nil && !slices.Equal(inline, e.Inline) {
		t.Errorf("inline %q, want %q", inline, e.Inline)
	}
	if e.Recipient != "" && m.Class.Recipient != e.Recipient {
		t.Errorf("bounced recipient %q, want %q", m.Class.Recipient, e.Recipient)
	}
	if e.OriginalID != "" && m.Class.OriginalMessageID != e.OriginalID {
		t.Errorf("original message id %q, want %q", m.Class.OriginalMessageID, e.OriginalID)
	}
	if e.Status != "" && m.Class.Status != e.Status {
		t.Errorf("status %q, want %q", m.Class.Status, e.Status)
	}
	if e.InReplyTo != nil && !slices.Equal(m.InReplyTo, e.InReplyTo) {
		t.Errorf("in-reply-to %q, want %q", m.InReplyTo, e.InReplyTo)
	}
	if e.ReferencesCount != 0 && len(m.References) != e.ReferencesCount {
		t.Errorf("%d references, want %d", len(m.References), e.ReferencesCount)
	}
	if e.ThreadFirst != "" && (len(m.ThreadIDs()) == 0 || m.ThreadIDs()[0] != e.ThreadFirst) {
		t.Errorf("thread ids %q, want %q first", m.ThreadIDs(), e.ThreadFirst)
	}
	if e.Cc != nil {
		var cc []string
		for _, a := range m.Cc {
			cc = append(cc, strings.ToLower(a.Address))
		}
		if !slices.Equal(cc, e.Cc) {
			t.Errorf("cc %q, want %q", cc, e.Cc)
		}
	}
	visible, quoted := inbound.SplitQuoted(m.Text)
	if e.Visible != nil && visible != *e.Visible {
		t.Errorf("visible part %q, want %q", visible, *e.Visible)
	}
	for _, s := range e.QuotedContains {
		if !strings.Contains(quoted, s) {
			t.Errorf("folded part lacks %q: %q", s, quoted)
		}
		if strings.Contains(visible, s) {
			t.Errorf("visible part still shows %q", s)
		}
	}
	n, ok := inbound.SubjectTicketNumber(m.Subject)
	if e.TicketToken != 0 && (!ok || n != e.TicketToken) {
		t.Errorf("subject token %d %v, want %d", n, ok, e.TicketToken)
	}
	if e.PlusTicket != 0 {
		if n, ok := inbound.PlusTicketNumber(m.Recipients(), "support@frontdesk.test"); !ok || n != e.PlusTicket {
			t.Errorf("plus-address ticket %d %v, want %d", n, ok, e.PlusTicket)
		}
	}
	if e.OwnThreadTag != nil {
		tag := ""
		for _, id := range m.ThreadIDs() {
			if tg, ok := fdmail.VerifyMessageID(fixtureKey, id); ok {
				tag = tg
				break
			}
		}
		if tag != *e.OwnThreadTag {
			t.Errorf("signed thread tag %q, want %q", tag, *e.OwnThreadTag)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
