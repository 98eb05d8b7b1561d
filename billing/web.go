package billing

import (
	"net/url"
	"strings"
)

func pathEscape(s string) string { return url.PathEscape(s) }

// StatusBadge is the CSS modifier of a status badge.
func StatusBadge(label string) string { return "billing-status-" + strings.ToLower(label) }
