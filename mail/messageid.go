package mail

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"regexp"
	"strings"
)

// Message-IDs Frontdesk sends carry a token only this installation can
// produce, so a reply that names one in In-Reply-To/References can be
// trusted to belong to the conversation it points at (a forged subject
// token cannot do that):
//
//	<fd.t1042.k2j4h5g6f7d8s9a0.3kd9s8f7a6s5d4f3@support.example.com>
//	    tag   random            HMAC-SHA256(key, tag.random), truncated
//
// The tag is optional, lower-case letters, digits and '-' (tickets use
// "t" + number), and is covered by the signature.

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

var (
	tagRE      = regexp.MustCompile(`^[a-z0-9-]{0,32}$`)
	signedIDRE = regexp.MustCompile(`^<?fd\.([a-z0-9-]{0,32})\.([a-z2-7]{16})\.([a-z2-7]{16})@[^<>@\s]+>?$`)
)

// SignedMessageID returns a fresh Message-ID "<fd.tag.random.sig@host>"
// signed with key. An empty key still produces a well-formed (but
// unverifiable) ID; a tag that is not [a-z0-9-]{0,32} is dropped.
func SignedMessageID(key []byte, host, tag string) string {
	if !tagRE.MatchString(tag) {
		tag = ""
	}
	if host == "" {
		host = "frontdesk.localhost"
	}
	r := make([]byte, 10)
	_, _ = rand.Read(r)
	random := strings.ToLower(idEncoding.EncodeToString(r))
	return "<fd." + tag + "." + random + "." + idSignature(key, tag, random) + "@" + host + ">"
}

// VerifyMessageID reports whether id (with or without angle brackets) is a
// Message-ID SignedMessageID made with key, and returns its tag.
func VerifyMessageID(key []byte, id string) (tag string, ok bool) {
	if len(key) == 0 {
		return "", false
	}
	m := signedIDRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(id)))
	if m == nil {
		return "", false
	}
	want := idSignature(key, m[1], m[2])
	if !hmac.Equal([]byte(want), []byte(m[3])) {
		return "", false
	}
	return m[1], true
}

func idSignature(key []byte, tag, random string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("frontdesk-message-id\x00" + tag + "." + random))
	return strings.ToLower(idEncoding.EncodeToString(h.Sum(nil)[:10]))
}
