package accounts

import (
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	p := newPasswords(Argon2Params{Time: 1, Memory: 1024, Threads: 1})
	h, err := p.hash("a long password ✓")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := p.hash("a long password ✓")
	if h == h2 {
		t.Fatal("two hashes of one password must differ (random salt)")
	}
	tests := []struct {
		encoded, pw string
		ok, bad     bool
	}{
		{h, "a long password ✓", true, false},
		{h, "a long password", false, false},
		{h, "", false, false},
		{"", "x", false, true},
		{"$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"$argon2id$v=18$m=1024,t=1,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"$argon2id$v=19$m=x,t=1,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaA", "x", false, true},
	}
	for _, tt := range tests {
		ok, err := verifyPassword(tt.encoded, tt.pw)
		if ok != tt.ok || (err != nil) != tt.bad {
			t.Errorf("verify(%q, %q) = %v, %v", tt.encoded, tt.pw, ok, err)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	p := newPasswords(Argon2Params{})
	if len(p.common) < 300 {
		t.Fatalf("common password list has %d entries", len(p.common))
	}
	tests := []struct {
		pw, email string
		ok        bool
	}{
		{"", "", false},
		{"123456789", "", false},   // 9 characters
		{"ünïcödé✓✓✓", "", true},   // 10 runes, more bytes
		{"1234567890", "", false},  // common
		{"QwertyUiop", "", false},  // common, any case
		{"Password123", "", false}, // common
		{"me@example.com", "me@example.com", false},
		{"ME@EXAMPLE.COM", "me@example.com", false},
		{"correct horse battery", "me@example.com", true},
		{strings.Repeat("x", 1025), "", false},
	}
	for _, tt := range tests {
		if got := p.check(tt.pw, tt.email) == ""; got != tt.ok {
			t.Errorf("check(%q) ok = %v, want %v (%q)", tt.pw, got, tt.ok, p.check(tt.pw, tt.email))
		}
	}
}

// BenchmarkHashPassword measures one login's worth of argon2id work at
// the production cost.
func BenchmarkHashPassword(b *testing.B) {
	p := newPasswords(DefaultArgon2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
