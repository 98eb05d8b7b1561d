package app

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/static"
)

// templateFuncs are the helpers every template may call. Domain-specific
// rendering (Markdown, money) produces values in the handler's data instead.
func templateFuncs(assets *static.Assets) template.FuncMap {
	return template.FuncMap{
		"asset":     assets.URL,
		"hasPrefix": strings.HasPrefix,
		"lower":     strings.ToLower,
		"join":      strings.Join,
		"add":       func(a, b int) int { return a + b },
		"date":      func(t time.Time) string { return fmtTime(t, "2 Jan 2006") },
		"datetime":  func(t time.Time) string { return fmtTime(t, "2 Jan 2006 15:04 UTC") },
		"isoTime":   func(t time.Time) string { return fmtTime(t, time.RFC3339) },
		"ago":       ago,
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
}

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// ago renders a past time the way people say it ("3 hours ago").
func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	default:
		return t.UTC().Format("2 Jan 2006")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
