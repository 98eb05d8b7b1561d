package billing

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"
)

// InvoiceDocument is everything an invoice shows, computed once: the page
// and the PDF both render from it, so they always say the same thing.
type InvoiceDocument struct {
	PortalName string
	Color      string // brand colour, "#rrggbb"
	// Logo is a PNG or JPEG image. Without one, DefaultLogo draws the
	// stock Frontdesk mark in the brand colour, else the portal's initial.
	Logo        []byte
	DefaultLogo bool
	BilledTo    []string // account holder lines: name, email/organisation, account id
	Invoice     *Invoice
	Payments    []Payment
	Now         time.Time
}

// Row is one label/value line of the invoice's totals.
type Row struct {
	Label, Value string
	Strong       bool
}

// StatusLabel is what the status badge says ("Overdue" beats "Open").
func (d *InvoiceDocument) StatusLabel() string { return StatusLabel(d.Invoice, d.Now) }

// StatusLabel names an invoice's state for people.
func StatusLabel(inv *Invoice, now time.Time) string {
	if inv.Overdue(now) {
		return "Overdue"
	}
	switch inv.Status {
	case StatusUncollectible:
		return "Uncollectible"
	case StatusVoid:
		return "Void"
	case StatusDraft:
		return "Draft"
	case StatusPaid:
		return "Paid"
	}
	return "Open"
}

// Money formats an amount of the invoice's currency.
func (d *InvoiceDocument) Money(amount int64) string {
	return Money{amount, d.Invoice.Currency}.String()
}

// Totals are the rows under the line items: subtotal, tax, total, paid,
// amount due.
func (d *InvoiceDocument) Totals() []Row {
	inv := d.Invoice
	return []Row{
		{Label: "Subtotal", Value: d.Money(inv.Subtotal)},
		{Label: "Tax", Value: d.Money(inv.Tax)},
		{Label: "Total", Value: d.Money(inv.Total), Strong: true},
		{Label: "Paid", Value: d.Money(inv.AmountPaid)},
		{Label: "Amount due", Value: d.Money(inv.AmountDue()), Strong: true},
	}
}

// TaxPercent shows a rate in hundredths of a percent ("20 %", "7.5 %").
func TaxPercent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " %"
}

// Date shows a stored date.
func Date(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

var (
	cp1252Once sync.Once
	cp1252     func(string) string
)

// toCP1252 maps text onto the core PDF fonts' code page (€, £, ¥, accents
// survive; anything else becomes "?").
func toCP1252(s string) string {
	cp1252Once.Do(func() { cp1252 = fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("") })
	return cp1252(s)
}

func hexColor(s string) (r, g, b int) {
	r, g, b = 0x1d, 0x4e, 0xd8
	if len(s) == 7 && s[0] == '#' {
		var rr, gg, bb int
		if n, _ := fmt.Sscanf(s[1:], "%02x%02x%02x", &rr, &gg, &bb); n == 3 {
			return rr, gg, bb
		}
	}
	return
}

// WritePDF renders the invoice as an A4 PDF with the core Helvetica font
// (pure Go, no font files).
func (d *InvoiceDocument) WritePDF(w io.Writer) error {
	inv := d.Invoice
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(toCP1252("Invoice "+inv.Number), false)
	pdf.SetAuthor(toCP1252(d.PortalName), false)
	pdf.SetCreator(toCP1252(d.PortalName), false)
	pdf.SetCreationDate(d.Now)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 20)
	tr := toCP1252
	name := d.PortalName
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 5, tr(fmt.Sprintf("%s · Invoice %s · page %d", name, inv.Number, pdf.PageNo())), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	cr, cg, cb := hexColor(d.Color)

	// Header: logo (or the initial on the brand colour) and portal name.
	x, y := 18.0, 18.0
	drewLogo := false
	if len(d.Logo) > 0 {
		typ := ""
		switch {
		case bytes.HasPrefix(d.Logo, []byte("\x89PNG")):
			typ = "PNG"
		case bytes.HasPrefix(d.Logo, []byte("\xff\xd8")):
			typ = "JPG"
		}
		if typ != "" {
			opt := fpdf.ImageOptions{ImageType: typ}
			pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(d.Logo))
			if pdf.Ok() {
				pdf.ImageOptions("logo", x, y, 0, 14, false, opt, 0, "")
				drewLogo = pdf.Ok()
			}
			if !drewLogo {
				pdf.ClearError()
			}
		}
	}
	if !drewLogo && d.DefaultLogo {
		// static/img/logo.svg (a 64-unit square) drawn with vectors.
		k := 14.0 / 64
		pdf.SetFillColor(cr, cg, cb)
		pdf.RoundedRect(x, y, 64*k, 64*k, 14*k, "1234", "F")
		pdf.SetFillColor(255, 255, 255)
		pdf.Rect(x+14*k, y+40*k, 36*k, 6*k, "F")
		pdf.Circle(x+32*k, y+22*k, 12*k, "F")
		pdf.Rect(x+20*k, y+22*k, 24*k, 14*k, "F")
		pdf.Circle(x+32*k, y+14*k, 3*k, "F")
		drewLogo = true
	}
	if !drewLogo {
		pdf.SetFillColor(cr, cg, cb)
		pdf.RoundedRect(x, y, 14, 14, 3, "1234", "F")
		pdf.SetFont("Helvetica", "B", 16)
		pdf.SetTextColor(255, 255, 255)
		initial := "F"
		if r := []rune(strings.TrimSpace(name)); len(r) > 0 {
			initial = strings.ToUpper(string(r[0]))
		}
		pdf.SetXY(x, y)
		pdf.CellFormat(14, 14, tr(initial), "", 0, "C", false, 0, "")
	}
	pdf.SetXY(x+18, y+1)
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(80, 7, tr(name), "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(80, 5, "Billing", "", 0, "L", false, 0, "")

	pdf.SetXY(120, y)
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(72, 8, "INVOICE", "", 2, "R", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(72, 6, tr(inv.Number), "", 2, "R", false, 0, "")
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetTextColor(cr, cg, cb)
	pdf.CellFormat(72, 6, tr(d.StatusLabel()), "", 0, "R", false, 0, "")

	// Billed to and dates.
	pdf.SetY(44)
	top := pdf.GetY()
	pdf.SetTextColor(90, 90, 90)
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(90, 5, "BILLED TO", "", 2, "L", false, 0, "")
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range d.BilledTo {
		pdf.CellFormat(90, 5, tr(l), "", 2, "L", false, 0, "")
	}
	left := pdf.GetY()
	pdf.SetXY(120, top)
	meta := [][2]string{{"Issued", Date(inv.IssuedOn)}}
	if inv.DueOn != nil {
		meta = append(meta, [2]string{"Due", Date(*inv.DueOn)})
	}
	meta = append(meta, [2]string{"Currency", inv.Currency})
	for _, m := range meta {
		pdf.SetX(120)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(30, 5, tr(m[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		pdf.SetTextColor(20, 20, 20)
		pdf.CellFormat(42, 5, tr(m[1]), "", 1, "R", false, 0, "")
	}
	if pdf.GetY() < left {
		pdf.SetY(left)
	}
	pdf.Ln(8)

	// Line items.
	cols := []struct {
		title string
		w     float64
		align string
	}{{"Description", 78, "L"}, {"Qty", 14, "R"}, {"Unit price", 30, "R"}, {"Tax", 16, "R"}, {"Amount", 36, "R"}}
	pdf.SetFillColor(cr, cg, cb)
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont("Helvetica", "B", 9)
	for _, c := range cols {
		pdf.CellFormat(c.w, 7, c.title, "", 0, c.align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetDrawColor(220, 220, 220)
	for _, l := range inv.Lines {
		desc := wrap(pdf, tr(l.Description), cols[0].w-2)
		if len(desc) == 0 {
			desc = []string{""}
		}
		h := 5.5 * float64(len(desc))
		if pdf.GetY()+h > 297-28 {
			pdf.AddPage()
		}
		y := pdf.GetY()
		for i, s := range desc {
			pdf.SetXY(18, y+5.5*float64(i))
			pdf.CellFormat(cols[0].w, 5.5, s, "", 0, "L", false, 0, "")
		}
		pdf.SetXY(18+cols[0].w, y)
		vals := []string{fmt.Sprint(l.Quantity), d.Money(l.UnitAmount), TaxPercent(l.TaxBP), d.Money(l.Amount)}
		for i, v := range vals {
			pdf.CellFormat(cols[i+1].w, 5.5, tr(v), "", 0, "R", false, 0, "")
		}
		pdf.SetXY(18, y+h)
		pdf.Line(18, y+h, 192, y+h)
	}
	pdf.Ln(4)

	// Totals.
	for _, r := range d.Totals() {
		pdf.SetX(120)
		style := ""
		if r.Strong {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 10)
		pdf.CellFormat(36, 6, r.Label, "", 0, "L", false, 0, "")
		pdf.CellFormat(36, 6, tr(r.Value), "", 1, "R", false, 0, "")
	}

	// Payments.
	if len(d.Payments) > 0 {
		pdf.Ln(6)
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(0, 7, "Payments", "", 1, "L", false, 0, "")
		pdf.SetFont("Helvetica", "B", 9)
		pdf.SetTextColor(90, 90, 90)
		pw := []float64{30, 70, 38, 36}
		for i, t := range []string{"Date", "Reference", "Method", "Amount"} {
			al := "L"
			if i == 3 {
				al = "R"
			}
			pdf.CellFormat(pw[i], 6, t, "B", 0, al, false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetTextColor(20, 20, 20)
		pdf.SetFont("Helvetica", "", 9)
		for _, p := range d.Payments {
			method := p.MethodText()
			pdf.CellFormat(pw[0], 5.5, Date(p.PaidOn), "", 0, "L", false, 0, "")
			pdf.CellFormat(pw[1], 5.5, tr(p.Reference), "", 0, "L", false, 0, "")
			pdf.CellFormat(pw[2], 5.5, tr(method), "", 0, "L", false, 0, "")
			pdf.CellFormat(pw[3], 5.5, tr(Money{p.Amount, p.Currency}.String()), "", 1, "R", false, 0, "")
		}
	}
	return pdf.Output(w)
}

// wrap breaks cp1252 text (bytes, not UTF-8: fpdf's SplitText would
// misread it) into lines no wider than w, at spaces where possible.
func wrap(pdf *fpdf.Fpdf, s string, w float64) []string {
	var lines []string
	for len(s) > 0 {
		if pdf.GetStringWidth(s) <= w {
			lines = append(lines, s)
			break
		}
		// Longest prefix that fits.
		n := 1
		for n < len(s) && pdf.GetStringWidth(s[:n+1]) <= w {
			n++
		}
		if i := strings.LastIndexByte(s[:n+1], ' '); i > 0 && n < len(s) {
			n = i
		}
		lines = append(lines, strings.TrimRight(s[:n], " "))
		s = strings.TrimLeft(s[n:], " ")
	}
	return lines
}
