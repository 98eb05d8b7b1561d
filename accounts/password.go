package accounts

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

//go:embed common_passwords.txt
var commonPasswordsFile string

// Argon2Params are the argon2id cost parameters. Tests lower them through
// Deps so hashing does not dominate their run time.
type Argon2Params struct {
	Time    uint32 // iterations
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 follows the OWASP recommendation for argon2id (64 MiB,
// two passes, two lanes): about 50 ms on a current server core.
var DefaultArgon2 = Argon2Params{Time: 2, Memory: 64 * 1024, Threads: 2}

const (
	argonSaltLen = 16
	argonKeyLen  = 32
)

// passwords hashes and checks passwords and knows the common-password list.
type passwords struct {
	params Argon2Params
	common map[string]struct{}
	// slots bounds concurrent argon2 runs (each takes params.Memory KiB),
	// so a burst of logins queues instead of exhausting memory.
	slots chan struct{}
}

func newPasswords(p Argon2Params) *passwords {
	if p.Time == 0 || p.Memory == 0 || p.Threads == 0 {
		p = DefaultArgon2
	}
	common := map[string]struct{}{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		common[strings.ToLower(line)] = struct{}{}
	}
	return &passwords{params: p, common: common, slots: make(chan struct{}, max(2, runtime.NumCPU()))}
}

// verify is verifyPassword within the concurrency bound.
func (p *passwords) verify(encoded, pw string) (bool, error) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	return verifyPassword(encoded, pw)
}

// check returns a message for the user when pw is not acceptable for the
// account with address email, or "" when it is.
func (p *passwords) check(pw, email string) string {
	switch {
	case pw == "":
		return "Enter a password."
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return fmt.Sprintf("Use at least %d characters.", MinPasswordLength)
	case len(pw) > 1024:
		return "Use at most 1024 characters."
	}
	lower := strings.ToLower(pw)
	if _, bad := p.common[lower]; bad {
		return "This password is too common. Choose one that is harder to guess."
	}
	if email != "" && lower == strings.ToLower(strings.TrimSpace(email)) {
		return "Your password must not be your email address."
	}
	return ""
}

// hash returns the PHC string $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (p *passwords) hash(pw string) (string, error) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.params.Time, p.params.Memory, p.params.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.params.Memory, p.params.Time, p.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("accounts: malformed password hash")

// verifyPassword reports whether pw matches the PHC string encoded, using the
// parameters recorded in it (so raising the cost keeps old hashes valid).
func verifyPassword(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
