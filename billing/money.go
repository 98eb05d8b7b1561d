package billing

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Money is an amount in a currency's minor unit (cents for EUR, yen for
// JPY, fils for KWD) beside its ISO 4217 code. Amounts are never floats.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// notMoney are ISO 4217 codes that are valid but not something an invoice
// is written in (precious metals, testing, "no currency", special drawing
// rights and European units of account).
var notMoney = map[string]bool{
	"XXX": true, "XTS": true, "XAU": true, "XAG": true, "XPT": true, "XPD": true,
	"XDR": true, "XBA": true, "XBB": true, "XBC": true, "XBD": true, "XSU": true, "XUA": true,
}

// ErrUnknownCurrency is returned for a code that is not an ISO 4217 currency.
var ErrUnknownCurrency = errors.New("unknown currency")

// ParseCurrency normalises code (Stripe sends "eur") to the upper-case ISO
// 4217 code, or fails with ErrUnknownCurrency.
func ParseCurrency(code string) (string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 3 || notMoney[code] {
		return "", fmt.Errorf("%w %q", ErrUnknownCurrency, code)
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return "", fmt.Errorf("%w %q", ErrUnknownCurrency, code)
	}
	return u.String(), nil
}

// Digits is how many decimals the currency's major unit has (JPY 0, EUR 2,
// KWD 3), from CLDR through golang.org/x/text. Unknown codes answer 2.
func Digits(code string) int {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 2
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}

// maxAmount keeps every amount, and the sums and tax products computed from
// it, far from int64 overflow (a hundred billion in any major unit).
const maxAmount = 1e14

// ParseAmount reads a decimal string in the currency's major unit ("12.50"
// EUR, "1200" JPY, "1.250" KWD, "-3.00" for a refund) into minor units.
// More decimals than the currency has is an error, as is anything that is
// not a plain decimal (no exponents, no grouping, no symbols).
func ParseAmount(s, code string) (int64, error) {
	return parseFixed(s, Digits(code), code)
}

// parseFixed reads a decimal with at most digits decimals as an integer
// scaled by 10^digits. what names the unit in error messages.
func parseFixed(s string, digits int, what string) (int64, error) {
	raw := s
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) || hasDot && frac == "" {
		return 0, fmt.Errorf("%q is not a decimal number", raw)
	}
	if len(frac) > digits {
		if digits == 0 {
			return 0, fmt.Errorf("%q has decimals, but %s has none", raw, what)
		}
		return 0, fmt.Errorf("%q has %d decimals, %s has %d", raw, len(frac), what, digits)
	}
	if len(whole) > 15 {
		return 0, fmt.Errorf("%q is too large", raw)
	}
	var v int64
	for _, r := range whole {
		v = v*10 + int64(r-'0')
	}
	for i := 0; i < digits; i++ {
		v *= 10
		if i < len(frac) {
			v += int64(frac[i] - '0')
		}
	}
	if v > maxAmount {
		return 0, fmt.Errorf("%q is too large", raw)
	}
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Major writes minor units as a plain decimal in the major unit ("12.50",
// "1200", "1.250"): the interchange form, without symbols or grouping.
func Major(amount int64, code string) string {
	d := Digits(code)
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	if d == 0 {
		return fmt.Sprintf("%s%d", sign, amount)
	}
	p := int64(math.Pow10(d))
	return fmt.Sprintf("%s%d.%0*d", sign, amount/p, d, amount%p)
}

var printers sync.Map // language.Tag -> *message.Printer

func printer(tag language.Tag) *message.Printer {
	if p, ok := printers.Load(tag); ok {
		return p.(*message.Printer)
	}
	p := message.NewPrinter(tag)
	printers.Store(tag, p)
	return p
}

// Format shows an amount for people: the currency's symbol, grouping and
// decimal separator of the locale, and exactly the currency's decimals
// ("€ 1,234.50", "¥ 1,200", "KWD 1.250", "-€ 3.00" for a refund).
func Format(amount int64, code string, tag language.Tag) string {
	u, err := currency.ParseISO(code)
	if err != nil {
		return Major(amount, code) + " " + code
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	// The division is exact enough: |amount| <= 1e14 minor units keeps
	// float64's 15-16 significant digits above the currency's scale, and
	// the formatter rounds to that scale.
	v := float64(amount) / math.Pow10(Digits(code))
	return sign + printer(tag).Sprint(currency.Symbol(u.Amount(v)))
}

// String formats m in English (the portal's default locale).
func (m Money) String() string { return Format(m.Amount, m.Currency, language.English) }
