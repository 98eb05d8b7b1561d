package kb

import (
	"html/template"
	"strconv"
	"strings"
)

// DiffOp says what happened to one line between two versions of a text.
type DiffOp int

// The three line operations of a diff.
const (
	DiffEqual  DiffOp = iota // the line is in both versions
	DiffDelete               // the line is only in the old version
	DiffInsert               // the line is only in the new version
)

// DiffLine is one line of a line diff. OldNo and NewNo are 1-based line
// numbers in the old and new text (0 when the line is absent there).
type DiffLine struct {
	Op           DiffOp
	Text         string
	OldNo, NewNo int
}

// maxDiffCells bounds the LCS table (old lines × new lines after the common
// prefix and suffix are trimmed). Beyond it the changed middle is shown as
// one block removed and one block added: still correct, only less precise,
// and an agent pasting a whole new article does not cost a request 100 MB.
const maxDiffCells = 4_000_000

// DiffLines compares two texts line by line with a longest-common-
// subsequence diff and returns every line of both, in order: unchanged
// lines once, removed lines before the lines added in their place. Line
// endings are normalised, so a CRLF paste does not look like a rewrite.
func DiffLines(oldText, newText string) []DiffLine {
	a, b := splitLines(oldText), splitLines(newText)

	// Common prefix and suffix need no table.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}

	out := make([]DiffLine, 0, len(a)+len(b))
	oi, ni := 0, 0 // lines of a and b emitted so far
	emit := func(op DiffOp, text string) {
		l := DiffLine{Op: op, Text: text}
		switch op {
		case DiffEqual:
			oi++
			ni++
			l.OldNo, l.NewNo = oi, ni
		case DiffDelete:
			oi++
			l.OldNo = oi
		case DiffInsert:
			ni++
			l.NewNo = ni
		}
		out = append(out, l)
	}

	for _, s := range a[:pre] {
		emit(DiffEqual, s)
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	switch {
	case len(am) == 0 || len(bm) == 0 || len(am)*len(bm) > maxDiffCells:
		for _, s := range am {
			emit(DiffDelete, s)
		}
		for _, s := range bm {
			emit(DiffInsert, s)
		}
	default:
		for _, op := range lcsOps(am, bm) {
			switch op.op {
			case DiffEqual, DiffDelete:
				emit(op.op, am[op.i])
			case DiffInsert:
				emit(op.op, bm[op.j])
			}
		}
	}
	for _, s := range a[len(a)-suf:] {
		emit(DiffEqual, s)
	}
	return out
}

type lcsOp struct {
	op   DiffOp
	i, j int
}

// lcsOps runs the classic dynamic-programming LCS over a and b and walks
// the table forwards, preferring deletions before insertions so a changed
// line reads as "old, then new".
func lcsOps(a, b []string) []lcsOp {
	n, m := len(a), len(b)
	// t[i][j] = LCS length of a[i:] and b[j:], stored flat.
	w := m + 1
	t := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else if x, y := t[(i+1)*w+j], t[i*w+j+1]; x >= y {
				t[i*w+j] = x
			} else {
				t[i*w+j] = y
			}
		}
	}
	ops := make([]lcsOp, 0, n+m)
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, lcsOp{DiffEqual, i, j})
			i++
			j++
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			ops = append(ops, lcsOp{DiffDelete, i, j})
			i++
		default:
			ops = append(ops, lcsOp{DiffInsert, i, j})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, lcsOp{DiffDelete, i, j})
	}
	for ; j < m; j++ {
		ops = append(ops, lcsOp{DiffInsert, i, j})
	}
	return ops
}

// splitLines splits s into lines without their terminators. An empty text
// has no lines, and a final newline does not make an extra empty line.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// DiffStats counts added and removed lines.
func DiffStats(lines []DiffLine) (added, removed int) {
	for _, l := range lines {
		switch l.Op {
		case DiffInsert:
			added++
		case DiffDelete:
			removed++
		}
	}
	return added, removed
}

// RenderDiff renders a line diff as an HTML table: removed lines with class
// "del", added lines with class "ins", each marked with "-"/"+" (so the
// change is not told by colour alone). Runs of unchanged lines longer than
// 2×context are collapsed to context lines either side and a note of how
// many were skipped. Every line's text is HTML-escaped.
func RenderDiff(lines []DiffLine, context int) template.HTML {
	var sb strings.Builder
	sb.WriteString(`<table class="kb-diff"><caption class="visually-hidden">Line changes: removed lines are marked with a minus, added lines with a plus</caption>`)
	sb.WriteString(`<thead><tr><th scope="col">Old</th><th scope="col">New</th><th scope="col"><span class="visually-hidden">Change</span></th><th scope="col">Line</th></tr></thead><tbody>`)
	if len(lines) == 0 {
		sb.WriteString(`<tr class="skip"><td colspan="4">(empty)</td></tr>`)
	}
	for i := 0; i < len(lines); {
		if lines[i].Op != DiffEqual {
			writeDiffRow(&sb, lines[i])
			i++
			continue
		}
		// A run of unchanged lines [i, j).
		j := i
		for j < len(lines) && lines[j].Op == DiffEqual {
			j++
		}
		head, tail := context, context
		if i == 0 {
			head = 0 // nothing above to give context to
		}
		if j == len(lines) {
			tail = 0
		}
		if j-i <= head+tail+1 {
			for k := i; k < j; k++ {
				writeDiffRow(&sb, lines[k])
			}
		} else {
			for k := i; k < i+head; k++ {
				writeDiffRow(&sb, lines[k])
			}
			skipped := j - i - head - tail
			sb.WriteString(`<tr class="skip"><td colspan="4">… `)
			sb.WriteString(strconv.Itoa(skipped))
			if skipped == 1 {
				sb.WriteString(` unchanged line …</td></tr>`)
			} else {
				sb.WriteString(` unchanged lines …</td></tr>`)
			}
			for k := j - tail; k < j; k++ {
				writeDiffRow(&sb, lines[k])
			}
		}
		i = j
	}
	sb.WriteString(`</tbody></table>`)
	return template.HTML(sb.String())
}

func writeDiffRow(sb *strings.Builder, l DiffLine) {
	class, mark := "eq", " "
	switch l.Op {
	case DiffDelete:
		class, mark = "del", "-"
	case DiffInsert:
		class, mark = "ins", "+"
	}
	sb.WriteString(`<tr class="`)
	sb.WriteString(class)
	sb.WriteString(`"><td class="ln">`)
	if l.OldNo > 0 {
		sb.WriteString(strconv.Itoa(l.OldNo))
	}
	sb.WriteString(`</td><td class="ln">`)
	if l.NewNo > 0 {
		sb.WriteString(strconv.Itoa(l.NewNo))
	}
	sb.WriteString(`</td><td class="mark">`)
	sb.WriteString(mark)
	sb.WriteString(`</td><td class="text"><code>`)
	sb.WriteString(template.HTMLEscapeString(l.Text))
	sb.WriteString(`</code></td></tr>`)
}
