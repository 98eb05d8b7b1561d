package kb

import (
	"fmt"
	"strings"
	"testing"
)

// compact renders a diff as " a", "-b", "+c" lines for readable assertions.
func compact(lines []DiffLine) string {
	var out []string
	for _, l := range lines {
		mark := " "
		switch l.Op {
		case DiffDelete:
			mark = "-"
		case DiffInsert:
			mark = "+"
		}
		out = append(out, mark+l.Text)
	}
	return strings.Join(out, "|")
}

func TestDiffLines(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"identical", "a\nb\nc", "a\nb\nc", " a| b| c"},
		{"both empty", "", "", ""},
		{"from empty", "", "a\nb", "+a|+b"},
		{"to empty", "a\nb\n", "", "-a|-b"},
		{"insert in middle", "a\nc", "a\nb\nc", " a|+b| c"},
		{"delete in middle", "a\nb\nc", "a\nc", " a|-b| c"},
		{"replace a line", "a\nb\nc", "a\nB\nc", " a|-b|+B| c"},
		{"append", "a\nb", "a\nb\nc", " a| b|+c"},
		{"trailing newline is not a line", "a\nb\n", "a\nb", " a| b"},
		{"crlf is not a change", "a\r\nb\r\n", "a\nb\n", " a| b"},
		{"moved line", "x\na\nb\nc", "a\nb\nc\nx", "-x| a| b| c|+x"},
		{"interleaved", "a\nb\nc\nd\ne", "a\nc\nX\ne\nf", " a|-b| c|-d|+X| e|+f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compact(DiffLines(tt.old, tt.new))
			if got != tt.want {
				t.Errorf("DiffLines(%q, %q)\n got %s\nwant %s", tt.old, tt.new, got, tt.want)
			}
		})
	}
}

func TestDiffLinesNumbersAndReconstruction(t *testing.T) {
	old := "title\n\nintro\nstep 1\nstep 2\nstep 3\nend"
	new := "title\n\nnew intro\nstep 1\nstep 3\nstep 4\nend\nfooter"
	lines := DiffLines(old, new)
	var gotOld, gotNew []string
	wantOldNo, wantNewNo := 1, 1
	for _, l := range lines {
		if l.Op != DiffInsert {
			if l.OldNo != wantOldNo {
				t.Fatalf("line %q: OldNo %d, want %d", l.Text, l.OldNo, wantOldNo)
			}
			wantOldNo++
			gotOld = append(gotOld, l.Text)
		} else if l.OldNo != 0 {
			t.Fatalf("inserted line %q has OldNo %d", l.Text, l.OldNo)
		}
		if l.Op != DiffDelete {
			if l.NewNo != wantNewNo {
				t.Fatalf("line %q: NewNo %d, want %d", l.Text, l.NewNo, wantNewNo)
			}
			wantNewNo++
			gotNew = append(gotNew, l.Text)
		} else if l.NewNo != 0 {
			t.Fatalf("deleted line %q has NewNo %d", l.Text, l.NewNo)
		}
	}
	if strings.Join(gotOld, "\n") != old || strings.Join(gotNew, "\n") != new {
		t.Fatalf("diff does not reconstruct both texts:\nold %q\nnew %q", gotOld, gotNew)
	}
	added, removed := DiffStats(lines)
	if added != 3 || removed != 2 {
		t.Errorf("DiffStats = +%d -%d, want +3 -2 (diff %s)", added, removed, compact(lines))
	}
}

func TestDiffLinesLargeFallsBackToBlocks(t *testing.T) {
	var a, b []string
	for i := range 2500 {
		a = append(a, fmt.Sprintf("old %d", i))
		b = append(b, fmt.Sprintf("new %d", i))
	}
	lines := DiffLines("same\n"+strings.Join(a, "\n"), "same\n"+strings.Join(b, "\n"))
	added, removed := DiffStats(lines)
	if added != 2500 || removed != 2500 || lines[0].Op != DiffEqual {
		t.Fatalf("got +%d -%d first %v", added, removed, lines[0])
	}
}

func TestRenderDiff(t *testing.T) {
	t.Run("escapes and classes", func(t *testing.T) {
		html := string(RenderDiff(DiffLines("<b>old</b>\nsame", "<script>alert(1)</script>\nsame"), 3))
		for _, want := range []string{
			`<tr class="del">`, `<tr class="ins">`, `<tr class="eq">`,
			`&lt;b&gt;old&lt;/b&gt;`, `&lt;script&gt;alert(1)&lt;/script&gt;`,
		} {
			if !strings.Contains(html, want) {
				t.Errorf("missing %s in %s", want, html)
			}
		}
		if strings.Contains(html, "<script>") || strings.Contains(html, "<b>old") {
			t.Errorf("unescaped line text in %s", html)
		}
	})
	t.Run("collapses long unchanged runs", func(t *testing.T) {
		var lines []string
		for i := range 40 {
			lines = append(lines, fmt.Sprintf("line %d", i))
		}
		old := strings.Join(lines, "\n")
		lines[20] = "changed"
		html := string(RenderDiff(DiffLines(old, strings.Join(lines, "\n")), 2))
		// 20 unchanged above the change: 18 skipped, 2 shown; 19 below: 17 skipped.
		for _, want := range []string{"… 18 unchanged lines …", "… 17 unchanged lines …", "line 18", "line 19", "line 21", "line 22"} {
			if !strings.Contains(html, want) {
				t.Errorf("missing %q", want)
			}
		}
		for _, not := range []string{"line 17<", "line 23<", "line 0<"} {
			if strings.Contains(html, not) {
				t.Errorf("unchanged %q should be collapsed", not)
			}
		}
	})
	t.Run("short unchanged runs stay", func(t *testing.T) {
		html := string(RenderDiff(DiffLines("a\nb\nc\nd", "a\nb\nc\nD"), 3))
		if strings.Contains(html, "unchanged") || !strings.Contains(html, ">a<") {
			t.Errorf("short run collapsed: %s", html)
		}
	})
}

func BenchmarkDiffLines(b *testing.B) {
	var a, c []string
	for i := range 400 {
		a = append(a, fmt.Sprintf("paragraph %d of a long help article about invoices", i))
		if i%7 == 0 {
			c = append(c, fmt.Sprintf("edited paragraph %d", i))
		} else {
			c = append(c, a[i])
		}
	}
	old, new := strings.Join(a, "\n"), strings.Join(c, "\n")
	b.ReportAllocs()
	for b.Loop() {
		DiffLines(old, new)
	}
}

// FuzzDiffLines checks the diff's contract on any pair of texts: read as
// "old" it gives back the old lines, read as "new" the new lines, with
// consecutive line numbers, and the rendered table escapes every line.
func FuzzDiffLines(f *testing.F) {
	f.Add("a\nb\nc", "a\nB\nc")
	f.Add("", "x")
	f.Add("<b>\r\n&amp;", "<i>\n&amp;\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		lines := DiffLines(old, new)
		var o, n []string
		for _, l := range lines {
			if l.Op != DiffInsert {
				o = append(o, l.Text)
				if l.OldNo != len(o) {
					t.Fatalf("OldNo %d at old line %d", l.OldNo, len(o))
				}
			}
			if l.Op != DiffDelete {
				n = append(n, l.Text)
				if l.NewNo != len(n) {
					t.Fatalf("NewNo %d at new line %d", l.NewNo, len(n))
				}
			}
		}
		if strings.Join(o, "\n") != strings.Join(splitLines(old), "\n") || strings.Join(n, "\n") != strings.Join(splitLines(new), "\n") {
			t.Fatalf("diff does not reconstruct the texts")
		}
		if strings.Contains(string(RenderDiff(lines, 2)), "<script") {
			t.Fatalf("unescaped markup in the rendered diff")
		}
	})
}
