package eval

import "fmt"

// Target is one held-out target and whether it is met.
type Target struct {
	Name string
	Got  float64
	Want string
	Met  bool
}

func (t Target) String() string {
	mark := "MET    "
	if !t.Met {
		mark = "NOT MET"
	}
	return fmt.Sprintf("%s %-42s %.3f (want %s)", mark, t.Name, t.Got, t.Want)
}

// Check compares the held-out half of engine with the baseline and with
// its own tuning half: MRR at least the baseline's + 0.06, recall@5 at
// least the baseline's, and MRR within 0.03 of the tuning half's.
func Check(r Report, engine, baseline string) []Target {
	e, b := r.Scores[engine], r.Scores[baseline]
	ho, tune, bho := e["heldout"], e["tune"], b["heldout"]
	gap := tune.MRR - ho.MRR
	if gap < 0 {
		gap = -gap
	}
	return []Target{
		{Name: "held-out MRR >= FTS5 + 0.06", Got: ho.MRR, Want: fmt.Sprintf(">= %.3f", bho.MRR+0.06), Met: ho.MRR >= bho.MRR+0.06-1e-9},
		{Name: "held-out recall@5 >= FTS5", Got: ho.Recall5, Want: fmt.Sprintf(">= %.3f", bho.Recall5), Met: ho.Recall5 >= bho.Recall5-1e-9},
		{Name: "|tuning MRR - held-out MRR| <= 0.03", Got: gap, Want: "<= 0.030", Met: gap <= 0.03+1e-9},
	}
}
