package tickets

// SplitQuotedHTML exposes the HTML quote folding to the fixture test.
func SplitQuotedHTML(s string) (visible, quoted string) { return splitQuotedHTML(s) }
