package inbound

import (
	"regexp"
	"strconv"
	"strings"
)

var subjectTokenRE = regexp.MustCompile(`\[#(\d{1,12})\]`)

// SubjectTicketNumber finds the ticket token "[#1042]" in a subject.
func SubjectTicketNumber(subject string) (int64, bool) {
	s := subjectTokenRE.FindStringSubmatch(subject)
	if s == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(s[1], 10, 64)
	return n, err == nil && n > 0
}

// SubjectToken is the token SubjectTicketNumber reads: "[#1042]".
func SubjectToken(number int64) string { return "[#" + strconv.FormatInt(number, 10) + "]" }

// ReplySubject is the subject of our reply to subject on ticket number:
// "Re: " once, the token once.
func ReplySubject(subject string, number int64) string {
	s := CleanSubject(subject)
	if s == "" {
		s = "Your request"
	}
	return "Re: " + s + " " + SubjectToken(number)
}

var replyPrefixRE = regexp.MustCompile(`(?i)^\s*(?:(?:re|aw|sv|antw|réf|rif|r|fw|fwd|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+`)

// CleanSubject drops reply/forward prefixes and ticket tokens.
func CleanSubject(subject string) string {
	s := subjectTokenRE.ReplaceAllString(subject, "")
	s = replyPrefixRE.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// PlusTicketNumber finds support+1042@domain among addrs, given the
// support address support@domain.
func PlusTicketNumber(addrs []string, support string) (int64, bool) {
	sl, sd, ok := splitAddr(support)
	if !ok {
		return 0, false
	}
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		i := strings.LastIndex(a, "@")
		if i <= 0 || a[i+1:] != sd {
			continue
		}
		local := a[:i]
		if !strings.HasPrefix(local, sl+"+") {
			continue
		}
		if n, err := strconv.ParseInt(local[len(sl)+1:], 10, 64); err == nil && n > 0 {
			return n, true
		}
	}
	return 0, false
}

// PlusAddress is support+number@domain.
func PlusAddress(support string, number int64) string {
	i := strings.LastIndex(support, "@")
	if i <= 0 {
		return support
	}
	return support[:i] + "+" + strconv.FormatInt(number, 10) + support[i:]
}
