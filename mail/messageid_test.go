package mail_test

import (
	"strings"
	"testing"

	fdmail "github.com/frontdesk/frontdesk/mail"
)

func TestSignedMessageIDVerifies(t *testing.T) {
	key := []byte("secret-one")
	id := fdmail.SignedMessageID(key, "support.example.com", "t1042")
	if !strings.HasPrefix(id, "<fd.t1042.") || !strings.HasSuffix(id, "@support.example.com>") {
		t.Fatalf("shape: %s", id)
	}
	if tag, ok := fdmail.VerifyMessageID(key, id); !ok || tag != "t1042" {
		t.Fatalf("verify own id: %q %v", tag, ok)
	}
	// Mail clients sometimes drop the brackets or change case.
	if _, ok := fdmail.VerifyMessageID(key, strings.ToUpper(strings.Trim(id, "<>"))); !ok {
		t.Fatal("unbracketed upper-case id should verify")
	}
	if _, ok := fdmail.VerifyMessageID([]byte("other key"), id); ok {
		t.Fatal("another installation's key verified our id")
	}
	forged := strings.Replace(id, "t1042", "t1043", 1)
	if _, ok := fdmail.VerifyMessageID(key, forged); ok {
		t.Fatal("changing the tag kept the signature valid")
	}
	if _, ok := fdmail.VerifyMessageID(key, "<abc@example.com>"); ok {
		t.Fatal("foreign id verified")
	}
	if a, b := fdmail.SignedMessageID(key, "h", ""), fdmail.SignedMessageID(key, "h", ""); a == b {
		t.Fatal("ids repeat")
	}
}
