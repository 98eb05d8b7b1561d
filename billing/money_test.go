package billing_test

import (
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/frontdesk/frontdesk/billing"
)

func TestParseAmountFollowsTheCurrencysDecimals(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		err     string
	}{
		{"12.50", "EUR", 1250, ""},
		{"12.5", "EUR", 1250, ""},
		{"12", "EUR", 1200, ""},
		{"-3.00", "EUR", -300, ""},
		{"1200", "JPY", 1200, ""},
		{"1.250", "KWD", 1250, ""},
		{"0.001", "KWD", 1, ""},
		{"12.345", "EUR", 0, "has 3 decimals, EUR has 2"},
		{"1200.5", "JPY", 0, "has decimals, but JPY has none"},
		{"1.2345", "KWD", 0, "has 4 decimals, KWD has 3"},
		{"1,200.00", "EUR", 0, "not a decimal number"},
		{"1e3", "EUR", 0, "not a decimal number"},
		{"€12", "EUR", 0, "not a decimal number"},
		{"", "EUR", 0, "not a decimal number"},
		{"12.", "EUR", 0, "not a decimal number"},
		{"99999999999999999999", "EUR", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := billing.ParseAmount(tt.in, tt.cur)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAmount(%q, %s) error = %v, want %q", tt.in, tt.cur, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tt.in, tt.cur, got, err, tt.want)
		}
		if back := billing.Major(got, tt.cur); back != mustCanon(tt.in, tt.cur) {
			t.Errorf("Major(%d, %s) = %q", got, tt.cur, back)
		}
	}
}

func mustCanon(s, cur string) string {
	switch s {
	case "12.5", "12":
		return map[string]string{"12.5": "12.50", "12": "12.00"}[s]
	}
	return s
}

func TestParseCurrency(t *testing.T) {
	for in, want := range map[string]string{"EUR": "EUR", "eur": "EUR", " jpy ": "JPY", "KWD": "KWD"} {
		if got, err := billing.ParseCurrency(in); err != nil || got != want {
			t.Errorf("ParseCurrency(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"XYZ", "EURO", "", "XXX", "XAU", "12"} {
		if _, err := billing.ParseCurrency(in); err == nil {
			t.Errorf("ParseCurrency(%q) accepted", in)
		}
	}
}

func TestFormatUsesSymbolsGroupingAndDecimals(t *testing.T) {
	tests := []struct {
		amount int64
		cur    string
		tag    language.Tag
		want   string
	}{
		{123456750, "EUR", language.English, "€ 1,234,567.50"},
		{123456750, "EUR", language.German, "€ 1.234.567,50"},
		{120000, "JPY", language.English, "¥ 120,000"},
		{52359, "KWD", language.English, "KWD 52.359"},
		{-5000, "EUR", language.English, "-€ 50.00"},
		{159900, "USD", language.English, "$ 1,599.00"},
		{0, "GBP", language.English, "£ 0.00"},
	}
	for _, tt := range tests {
		if got := billing.Format(tt.amount, tt.cur, tt.tag); got != tt.want {
			t.Errorf("Format(%d, %s, %s) = %q, want %q", tt.amount, tt.cur, tt.tag, got, tt.want)
		}
	}
}

func TestLineTaxRoundsHalfAwayFromZero(t *testing.T) {
	for _, tt := range []struct{ amount, bp, want int64 }{
		{3125, 750, 234}, // 234.375
		{10000, 2000, 2000},
		{1, 5000, 1}, // 0.5 -> 1
		{-1, 5000, -1},
		{8999, 2000, 1800}, // 1799.8
	} {
		if got := billing.LineTax(tt.amount, tt.bp); got != tt.want {
			t.Errorf("LineTax(%d, %d) = %d, want %d", tt.amount, tt.bp, got, tt.want)
		}
	}
}
