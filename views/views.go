// Package views embeds every html/template file. Layout pieces live in
// layouts/, shared partials in partials/, each domain's pages in its own
// folder, and fragments htmx swaps in are named _name.html. Every {{define}}
// is prefixed with its folder (all templates share one namespace).
package views

import "embed"

// FS holds the templates; the app hands it to the Fiber template engine.
//
//go:embed all:*
var FS embed.FS
