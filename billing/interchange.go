package billing

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/platform/web"
)

// The interchange formats (DESIGN.md "Billing interchange"): invoices CSV
// with one row per line item, payments CSV, and one JSON document holding
// both. Parse turns any of them into a Batch; nothing is written here.

// InvoiceColumns is the header of an invoices CSV. Optional extra columns
// subtotal, tax and total, when filled, must agree with the lines.
var InvoiceColumns = []string{"number", "account", "org", "email", "issued", "due", "currency", "status", "description", "quantity", "unit_price", "tax_percent"}

// PaymentColumns is the header of a payments CSV.
var PaymentColumns = []string{"reference", "invoice", "date", "amount", "currency", "method"}

var optionalInvoiceColumns = []string{"subtotal", "tax", "total"}

// MaxImportBytes bounds one import file or API body.
const MaxImportBytes = 32 << 20

// Batch is a parsed, self-consistent set of invoices and payments.
type Batch struct {
	Invoices []InvoiceInput
	Payments []PaymentInput
}

// InvoiceInput is one invoice to create or update (by Number).
type InvoiceInput struct {
	At         Loc
	Number     string
	Account    string // billing account external id
	Org        string // owner of a new account: organisation name…
	Email      string // …or customer email
	ExternalID string // Stripe invoice id, when known
	Issued     time.Time
	Due        *time.Time
	Currency   string
	Status     string
	Lines      []LineInput
	// Totals computed from the lines (and checked against any totals the
	// file declared).
	Subtotal, Tax, Total int64
}

// LineInput is one line item of an InvoiceInput.
type LineInput struct {
	At          Loc
	Description string
	Quantity    int64
	UnitAmount  int64
	TaxBP       int64
	Amount, Tax int64
}

// PaymentInput is one payment (negative: refund) to create or update (by
// Reference).
type PaymentInput struct {
	At        Loc
	Reference string
	Invoice   string // invoice number
	Date      time.Time
	Amount    int64
	Currency  string
	Method    string
}

// Loc says where in the input something was: a CSV line or a JSON path.
type Loc struct {
	File string
	Line int    // CSV: 1-based line number
	Path string // JSON: invoices[0].lines[1]
}

// Field names one field at this location, as error messages show it:
// "line 4, unit_price" or "invoices[0].lines[1].unit_price".
func (l Loc) Field(name string) string {
	var s string
	switch {
	case l.Path != "" && name != "":
		s = l.Path + "." + name
	case l.Path != "":
		s = l.Path
	case l.Line > 0 && name != "":
		s = fmt.Sprintf("line %d, %s", l.Line, name)
	case l.Line > 0:
		s = fmt.Sprintf("line %d", l.Line)
	default:
		s = name
	}
	if l.File != "" {
		return l.File + ": " + s
	}
	return s
}

// Problem is one thing wrong with an import, located.
type Problem struct {
	Where   string `json:"where"`
	Message string `json:"message"`
}

// ValidationError lists every problem found; an import with any problem
// writes nothing.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s), nothing imported:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Where)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// maxProblems stops listing after this many (a wrong file has one per row).
const maxProblems = 200

type problems struct{ list []Problem }

func (ps *problems) add(where, format string, args ...any) {
	if len(ps.list) < maxProblems {
		ps.list = append(ps.list, Problem{Where: where, Message: fmt.Sprintf(format, args...)})
	}
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}

// Parse reads an invoices CSV, a payments CSV (told apart by their header)
// or a JSON document (starting with "{"). name is used in messages.
func Parse(name string, r io.Reader) (*Batch, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, fmt.Errorf("%s: larger than %d MB", name, MaxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // spreadsheet BOM
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return ParseJSON(name, data)
	}
	return ParseCSV(name, data)
}

// ParseCSV reads an invoices or payments CSV.
func ParseCSV(name string, data []byte) (*Batch, error) {
	if !utf8.Valid(data) {
		return nil, &ValidationError{Problems: []Problem{{Where: name, Message: "is not UTF-8 text"}}}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, &ValidationError{Problems: []Problem{{Where: name, Message: "is empty"}}}
	}
	if err != nil {
		return nil, csvProblem(name, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	_, isPayments := cols["reference"]
	want := InvoiceColumns
	if isPayments {
		want = PaymentColumns
	}
	var missing []string
	for _, c := range want {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &ValidationError{Problems: []Problem{{Where: Loc{File: name, Line: 1}.Field(""),
			Message: fmt.Sprintf("header misses %s (an invoices CSV has %s; a payments CSV has %s)",
				strings.Join(missing, ", "), strings.Join(InvoiceColumns, ","), strings.Join(PaymentColumns, ","))}}}
	}
	var rows []csvRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvProblem(name, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		get := func(col string) (string, bool) {
			i, ok := cols[col]
			if !ok || i >= len(rec) {
				return "", false
			}
			return strings.TrimSpace(rec[i]), true
		}
		rows = append(rows, csvRow{at: Loc{File: name, Line: line}, get: get})
	}
	var ps problems
	b := &Batch{}
	if len(rows) == 0 {
		ps.add(name, "has a header but no rows")
		return nil, ps.err()
	}
	if isPayments {
		for _, row := range rows {
			b.Payments = append(b.Payments, rawPayment{at: row.at, fields: row.fields(PaymentColumns)}.convert(&ps))
		}
	} else {
		b.Invoices = invoicesFromRows(rows, &ps)
	}
	checkBatch(b, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return b, nil
}

func csvProblem(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ValidationError{Problems: []Problem{{Where: Loc{File: name, Line: pe.Line}.Field(""), Message: pe.Err.Error()}}}
	}
	return &ValidationError{Problems: []Problem{{Where: name, Message: err.Error()}}}
}

type csvRow struct {
	at  Loc
	get func(col string) (string, bool)
}

func (r csvRow) fields(cols []string) map[string]string {
	m := make(map[string]string, len(cols))
	for _, c := range cols {
		m[c], _ = r.get(c)
	}
	return m
}

// invoicesFromRows groups line-item rows by invoice number. Invoice-level
// columns must agree on every row of one invoice.
func invoicesFromRows(rows []csvRow, ps *problems) []InvoiceInput {
	type group struct {
		raw   rawInvoice
		first int
	}
	var order []string
	groups := map[string]*group{}
	head := []string{"account", "org", "email", "issued", "due", "currency", "status"}
	for _, row := range rows {
		f := row.fields(append(InvoiceColumns, optionalInvoiceColumns...))
		num := f["number"]
		if num == "" {
			ps.add(row.at.Field("number"), "is empty")
			continue
		}
		g, ok := groups[num]
		if !ok {
			g = &group{raw: rawInvoice{at: row.at, fields: f}, first: row.at.Line}
			groups[num] = g
			order = append(order, num)
		} else {
			for _, c := range head {
				if f[c] != g.raw.fields[c] && !(f[c] == "" && (c == "org" || c == "email")) {
					ps.add(row.at.Field(c), "%q differs from line %d (%q) for invoice %s", f[c], g.first, g.raw.fields[c], num)
				}
			}
			for _, c := range optionalInvoiceColumns {
				if f[c] != "" && g.raw.fields[c] == "" {
					g.raw.fields[c] = f[c]
				} else if f[c] != "" && f[c] != g.raw.fields[c] {
					ps.add(row.at.Field(c), "%q differs from %q given before for invoice %s", f[c], g.raw.fields[c], num)
				}
			}
		}
		g.raw.lines = append(g.raw.lines, rawLine{at: row.at, fields: f})
	}
	out := make([]InvoiceInput, 0, len(order))
	for _, num := range order {
		out = append(out, groups[num].raw.convert(ps))
	}
	return out
}

// JSON document. Amounts may be strings ("12.50") or JSON numbers (12.50,
// read exactly from the text, never through a float).
type jsonDoc struct {
	Invoices []jsonInvoice `json:"invoices"`
	Payments []jsonPayment `json:"payments"`
}

type jsonInvoice struct {
	Number   jsonText   `json:"number"`
	Account  jsonText   `json:"account"`
	Org      jsonText   `json:"org"`
	Email    jsonText   `json:"email"`
	Issued   jsonText   `json:"issued"`
	Due      jsonText   `json:"due"`
	Currency jsonText   `json:"currency"`
	Status   jsonText   `json:"status"`
	Subtotal jsonText   `json:"subtotal"`
	Tax      jsonText   `json:"tax"`
	Total    jsonText   `json:"total"`
	Lines    []jsonLine `json:"lines"`
}

type jsonLine struct {
	Description jsonText `json:"description"`
	Quantity    jsonText `json:"quantity"`
	UnitPrice   jsonText `json:"unit_price"`
	TaxPercent  jsonText `json:"tax_percent"`
}

type jsonPayment struct {
	Reference jsonText `json:"reference"`
	Invoice   jsonText `json:"invoice"`
	Date      jsonText `json:"date"`
	Amount    jsonText `json:"amount"`
	Currency  jsonText `json:"currency"`
	Method    jsonText `json:"method"`
}

// jsonText accepts a JSON string or number (kept as written) or null.
type jsonText string

func (t *jsonText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = jsonText(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*t = jsonText(b)
	default:
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	return nil
}

// ParseJSON reads the JSON interchange document.
func ParseJSON(name string, data []byte) (*Batch, error) {
	var doc jsonDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, &ValidationError{Problems: []Problem{{Where: name, Message: jsonErrorText(data, err)}}}
	}
	var ps problems
	if len(doc.Invoices) == 0 && len(doc.Payments) == 0 {
		ps.add(name, `has no "invoices" and no "payments"`)
		return nil, ps.err()
	}
	b := &Batch{}
	for i, ji := range doc.Invoices {
		at := Loc{File: name, Path: fmt.Sprintf("invoices[%d]", i)}
		raw := rawInvoice{at: at, fields: map[string]string{
			"number": string(ji.Number), "account": string(ji.Account), "org": string(ji.Org), "email": string(ji.Email),
			"issued": string(ji.Issued), "due": string(ji.Due), "currency": string(ji.Currency), "status": string(ji.Status),
			"subtotal": string(ji.Subtotal), "tax": string(ji.Tax), "total": string(ji.Total),
		}}
		for j, jl := range ji.Lines {
			raw.lines = append(raw.lines, rawLine{at: Loc{File: name, Path: fmt.Sprintf("%s.lines[%d]", at.Path, j)}, fields: map[string]string{
				"description": string(jl.Description), "quantity": string(jl.Quantity),
				"unit_price": string(jl.UnitPrice), "tax_percent": string(jl.TaxPercent),
			}})
		}
		b.Invoices = append(b.Invoices, raw.convert(&ps))
	}
	for i, jp := range doc.Payments {
		at := Loc{File: name, Path: fmt.Sprintf("payments[%d]", i)}
		b.Payments = append(b.Payments, rawPayment{at: at, fields: map[string]string{
			"reference": string(jp.Reference), "invoice": string(jp.Invoice), "date": string(jp.Date),
			"amount": string(jp.Amount), "currency": string(jp.Currency), "method": string(jp.Method),
		}}.convert(&ps))
	}
	checkBatch(b, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return b, nil
}

// jsonErrorText names where a JSON document went wrong (line and column, and
// the field for a wrong type).
func jsonErrorText(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	offset := int64(-1)
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		offset = se.Offset
	case errors.As(err, &te):
		offset = te.Offset
		if te.Field != "" {
			msg = fmt.Sprintf("%s: want %s, got JSON %s", te.Field, te.Type, te.Value)
		}
	}
	if offset >= 0 && offset <= int64(len(data)) {
		line := 1 + bytes.Count(data[:offset], []byte("\n"))
		col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
		return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, msg)
	}
	return "invalid JSON: " + msg
}

type rawInvoice struct {
	at     Loc
	fields map[string]string
	lines  []rawLine
}

type rawLine struct {
	at     Loc
	fields map[string]string
}

type rawPayment struct {
	at     Loc
	fields map[string]string
}

const (
	maxNumberLen = 64
	maxTextLen   = 500
	maxQuantity  = 1_000_000
)

func parseDate(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// freeText are the fields people write sentences in: control characters
// are dropped from them and line breaks and tabs become spaces, as the
// web edge does for forms (web.CleanText). Every other field is an
// identifier, a date or an amount, where a control character is refused:
// dropping it silently could make two numbers one.
var freeText = map[string]bool{"description": true, "method": true}

// cleanFields applies the rules above to the named fields of one record
// (in place); where names a field in problems.
func cleanFields(f map[string]string, keys []string, where func(string) string, ps *problems) {
	for _, k := range keys {
		v, ok := f[k]
		if !ok {
			continue
		}
		if freeText[k] {
			f[k] = strings.Join(strings.Fields(web.CleanText(v)), " ")
			continue
		}
		if i := strings.IndexFunc(v, isControl); i >= 0 {
			ps.add(where(k), "contains a control character (%U): not allowed here", []rune(v[i:])[0])
		}
	}
}

var (
	invoiceFields = []string{"number", "account", "org", "email", "issued", "due", "currency", "status", "subtotal", "tax", "total"}
	lineFields    = []string{"description", "quantity", "unit_price", "tax_percent"}
)

func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f || r == utf8.RuneError }

// convert validates one invoice and computes its totals.
func (r rawInvoice) convert(ps *problems) InvoiceInput {
	f := r.fields
	if r.at.Line > 0 {
		cleanFields(f, invoiceFields, Loc{File: r.at.File, Line: r.at.Line}.Field, ps)
	} else {
		cleanFields(f, invoiceFields, r.at.Field, ps)
	}
	in := InvoiceInput{At: r.at, Number: f["number"], Account: f["account"], Org: f["org"], Email: strings.ToLower(f["email"]), Status: strings.ToLower(f["status"])}
	where := r.at.Field
	if r.at.Line > 0 {
		// CSV: invoice-level problems name the invoice's first line.
		where = Loc{File: r.at.File, Line: r.at.Line}.Field
	}
	switch {
	case in.Number == "":
		ps.add(where("number"), "is empty")
	case len(in.Number) > maxNumberLen:
		ps.add(where("number"), "is longer than %d characters", maxNumberLen)
	}
	if in.Account == "" {
		ps.add(where("account"), "is empty (the billing account's external id, e.g. cus_…)")
	} else if len(in.Account) > 255 {
		ps.add(where("account"), "is longer than 255 characters")
	}
	if in.Org != "" && in.Email != "" {
		ps.add(where("org"), "give org or email for the account's owner, not both")
	}
	if in.Email != "" && !strings.Contains(in.Email, "@") {
		ps.add(where("email"), "%q is not an email address", in.Email)
	}
	var err error
	if in.Issued, err = parseDate(f["issued"]); err != nil {
		ps.add(where("issued"), "%v", err)
	}
	if f["due"] != "" {
		d, err := parseDate(f["due"])
		if err != nil {
			ps.add(where("due"), "%v", err)
		} else if !in.Issued.IsZero() && d.Before(in.Issued) {
			ps.add(where("due"), "%s is before the issue date %s", f["due"], f["issued"])
		} else {
			in.Due = &d
		}
	}
	if !validStatus(in.Status) {
		ps.add(where("status"), "%q is not one of %s", f["status"], strings.Join(Statuses, ", "))
	}
	cur, err := ParseCurrency(f["currency"])
	if err != nil {
		ps.add(where("currency"), "%q is not an ISO 4217 currency code", f["currency"])
	}
	in.Currency = cur
	if len(r.lines) == 0 {
		ps.add(where("lines"), "an invoice needs at least one line item")
	}
	tooLarge := false
	for _, rl := range r.lines {
		cleanFields(rl.fields, lineFields, rl.at.Field, ps)
		l := LineInput{At: rl.at, Description: rl.fields["description"]}
		if l.Description == "" {
			ps.add(rl.at.Field("description"), "is empty")
		} else if utf8.RuneCountInString(l.Description) > maxTextLen {
			ps.add(rl.at.Field("description"), "is longer than %d characters", maxTextLen)
		}
		q, err := strconv.ParseInt(rl.fields["quantity"], 10, 64)
		switch {
		case rl.fields["quantity"] == "":
			q = 1
		case err != nil:
			ps.add(rl.at.Field("quantity"), "%q is not a whole number", rl.fields["quantity"])
		case q < 1 || q > maxQuantity:
			ps.add(rl.at.Field("quantity"), "must be from 1 to %d", maxQuantity)
		}
		l.Quantity = q
		if cur != "" {
			if l.UnitAmount, err = ParseAmount(rl.fields["unit_price"], cur); err != nil {
				ps.add(rl.at.Field("unit_price"), "%v", err)
			}
		}
		if s := rl.fields["tax_percent"]; s != "" {
			bp, err := parseFixed(strings.TrimSuffix(s, "%"), 2, "a tax percent")
			if err != nil {
				ps.add(rl.at.Field("tax_percent"), "%v", err)
			} else if bp < 0 || bp > 100_00 {
				ps.add(rl.at.Field("tax_percent"), "%q must be from 0 to 100", s)
			}
			l.TaxBP = bp
		}
		// Amounts stay below maxAmount, so products and sums never
		// overflow int64 (quantity × unit price could: 10^6 × 10^14).
		if u := abs(l.UnitAmount); u != 0 && l.Quantity > maxAmount/u {
			ps.add(rl.at.Field("unit_price"), "quantity %d × unit price %s is too large (at most %s)",
				l.Quantity, Major(l.UnitAmount, cur), Major(maxAmount, cur))
			tooLarge = true
		}
		if tooLarge {
			continue
		}
		l.Amount = l.Quantity * l.UnitAmount
		l.Tax = LineTax(l.Amount, l.TaxBP)
		in.Subtotal += l.Amount
		in.Tax += l.Tax
		in.Lines = append(in.Lines, l)
		if abs(in.Subtotal)+abs(in.Tax) > maxAmount {
			ps.add(rl.at.Field(""), "the invoice's total passes %s here: too large", Major(maxAmount, cur))
			tooLarge = true
		}
	}
	in.Total = in.Subtotal + in.Tax
	if tooLarge {
		return in
	}
	if in.Total < 0 && cur != "" {
		ps.add(where("total"), "is negative (%s): an invoice cannot owe the customer; record money given back as a negative payment (a refund)", Major(in.Total, cur))
	}
	if cur == "" {
		return in
	}
	// Declared totals must agree with the lines.
	declared := func(name string) (int64, bool) {
		s := f[name]
		if s == "" {
			return 0, false
		}
		v, err := ParseAmount(s, cur)
		if err != nil {
			ps.add(where(name), "%v", err)
			return 0, false
		}
		return v, true
	}
	st, hasST := declared("subtotal")
	tx, hasTx := declared("tax")
	tot, hasTot := declared("total")
	if hasST && st != in.Subtotal {
		ps.add(where("subtotal"), "%s does not match the sum of the lines, %s", Major(st, cur), Major(in.Subtotal, cur))
	}
	if hasTx && tx != in.Tax {
		ps.add(where("tax"), "%s does not match the lines' tax, %s", Major(tx, cur), Major(in.Tax, cur))
	}
	if hasTot {
		s, t := in.Subtotal, in.Tax
		if hasST {
			s = st
		}
		if hasTx {
			t = tx
		}
		if tot != s+t {
			ps.add(where("total"), "%s is not subtotal %s + tax %s = %s", Major(tot, cur), Major(s, cur), Major(t, cur), Major(s+t, cur))
		} else if tot != in.Total {
			ps.add(where("total"), "%s does not match the lines, %s", Major(tot, cur), Major(in.Total, cur))
		}
	}
	return in
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// LineTax is amount × rate (hundredths of a percent), rounded half away
// from zero.
func LineTax(amount, bp int64) int64 {
	p := amount * bp
	if p >= 0 {
		return (p + 5000) / 10000
	}
	return -((-p + 5000) / 10000)
}

func (r rawPayment) convert(ps *problems) PaymentInput {
	f := r.fields
	cleanFields(f, PaymentColumns, r.at.Field, ps)
	p := PaymentInput{At: r.at, Reference: f["reference"], Invoice: f["invoice"], Method: f["method"]}
	if p.Reference == "" {
		ps.add(r.at.Field("reference"), "is empty")
	} else if len(p.Reference) > 255 {
		ps.add(r.at.Field("reference"), "is longer than 255 characters")
	}
	if p.Invoice == "" {
		ps.add(r.at.Field("invoice"), "is empty")
	}
	if len(p.Method) > 64 {
		ps.add(r.at.Field("method"), "is longer than 64 characters")
	}
	var err error
	if p.Date, err = parseDate(f["date"]); err != nil {
		ps.add(r.at.Field("date"), "%v", err)
	}
	if p.Currency, err = ParseCurrency(f["currency"]); err != nil {
		ps.add(r.at.Field("currency"), "%q is not an ISO 4217 currency code", f["currency"])
		return p
	}
	if p.Amount, err = ParseAmount(f["amount"], p.Currency); err != nil {
		ps.add(r.at.Field("amount"), "%v", err)
	} else if p.Amount == 0 {
		ps.add(r.at.Field("amount"), "is zero")
	}
	return p
}

// checkBatch finds problems between records of one file: numbers and
// references given twice, payments in another currency than their invoice.
func checkBatch(b *Batch, ps *problems) {
	seen := map[string]Loc{} // by lower-case number
	numberAt := map[string]string{}
	inv := map[string]*InvoiceInput{}
	for i := range b.Invoices {
		in := &b.Invoices[i]
		if in.Number == "" {
			continue
		}
		key := strings.ToLower(in.Number)
		if prev, ok := seen[key]; ok {
			if other := numberAt[key]; other != in.Number {
				ps.add(in.At.Field("number"), "invoice %s is already given as %s at %s (numbers differ only in case)", in.Number, other, prev.Field(""))
			} else {
				ps.add(in.At.Field("number"), "invoice %s is already given at %s", in.Number, prev.Field(""))
			}
			continue
		}
		seen[key], numberAt[key] = in.At, in.Number
		inv[in.Number] = in
	}
	refs := map[string]Loc{}
	for _, p := range b.Payments {
		if p.Reference != "" {
			if prev, ok := refs[p.Reference]; ok {
				ps.add(p.At.Field("reference"), "payment %s is already given at %s", p.Reference, prev.Field(""))
			}
			refs[p.Reference] = p.At
		}
		if in, ok := inv[p.Invoice]; ok && in.Currency != "" && p.Currency != "" && in.Currency != p.Currency {
			ps.add(p.At.Field("currency"), "%s, but invoice %s is in %s", p.Currency, p.Invoice, in.Currency)
		}
	}
}
