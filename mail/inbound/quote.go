package inbound

import (
	"regexp"
	"strings"
)

var (
	// Attribution lines that start quoted history, in the languages mail
	// clients write them in. They may wrap onto a second line.
	attributionRE = regexp.MustCompile(`(?i)^(?:on\s.{1,200}\swrote:|am\s.{1,200}\sschrieb.{0,80}:|le\s.{1,200}\sa\sécrit\s?:|el\s.{1,200}\sescribió:|il\s.{1,200}\sha\sscritto:|op\s.{1,200}\sschreef.{0,80}:|em\s.{1,200}\sescreveu:)\s*$`)
	separatorRE   = regexp.MustCompile(`(?i)^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|forwarded message|weitergeleitete nachricht)\s*-{2,}\s*$`)
	outlookFromRE = regexp.MustCompile(`(?i)^\s*\*?(?:from|von|de|da|van)\s?\*?:\s*\S`)
	outlookSentRE = regexp.MustCompile(`(?i)^\s*\*?(?:sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden)\s?\*?:\s*\S`)
)

// SplitQuoted separates what the sender wrote from the quoted history and
// signature below it, for display: the quoted part is folded away behind
// a toggle. It recognises "On … wrote:" attributions (and their German,
// French, Spanish, Italian, Dutch and Portuguese forms), "-----Original
// Message-----" separators, Outlook's "From: … Sent: …" header block,
// trailing "> " blocks and signatures after "-- ". Inline answers between
// quoted lines stay visible. When nothing is left above the history the
// whole text stays visible.
func SplitQuoted(text string) (visible, quoted string) {
	text = normalizeNewlines(text)
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t")
		switch {
		case l == "-- " || lines[i] == "-- " || l == "--":
			cut = i
		case separatorRE.MatchString(l):
			cut = i
		case attributionRE.MatchString(l) && !strings.HasPrefix(l, ">"):
			cut = i
		case i+1 < len(lines) && !strings.HasPrefix(l, ">") && attributionRE.MatchString(l+" "+strings.TrimSpace(lines[i+1])):
			cut = i
		case outlookFromRE.MatchString(l) && outlookBlock(lines[i+1:]):
			cut = i
			// An underscore rule right above belongs to the block.
			if i > 0 && strings.Trim(strings.TrimSpace(lines[i-1]), "_-") == "" && strings.TrimSpace(lines[i-1]) != "" {
				cut = i - 1
			}
		default:
			continue
		}
		break
	}
	// Trailing "> " lines (and blank lines between them) are history too.
	end := cut
	for end > 0 {
		l := strings.TrimSpace(lines[end-1])
		if l != "" && !strings.HasPrefix(l, ">") {
			break
		}
		end--
	}
	hasQuote := false
	for _, l := range lines[end:cut] {
		if strings.HasPrefix(strings.TrimSpace(l), ">") {
			hasQuote = true
		}
	}
	if hasQuote {
		cut = end
	}
	visible = strings.TrimSpace(strings.Join(lines[:cut], "\n"))
	quoted = strings.TrimSpace(strings.Join(lines[cut:], "\n"))
	if visible == "" {
		return strings.TrimSpace(text), ""
	}
	return visible, quoted
}

// outlookBlock: a "Sent:"/"Date:" line within the next few lines.
func outlookBlock(next []string) bool {
	for i := 0; i < len(next) && i < 4; i++ {
		if outlookSentRE.MatchString(next[i]) {
			return true
		}
	}
	return false
}
