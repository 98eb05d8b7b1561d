// Package validate holds the one validation-error type of Frontdesk. A
// service returns Errors for bad input; a page renders each message next to
// its field (and keeps what the user typed), the JSON API answers 422 with
// {"error": first message, "fields": {field: message}}. Neither the
// services nor the API need the web helpers for it.
package validate

import "sort"

// Errors maps a field name to the message shown beside it. Forms are
// structs with a Validate() Errors method; an empty result means the input
// is acceptable.
type Errors map[string]string

// Add records msg for field unless the field already has a message.
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Any reports whether any field failed.
func (e Errors) Any() bool { return len(e) > 0 }

// Error makes Errors usable as an error: the message of the first field in
// name order, so the text is the same on every run.
func (e Errors) Error() string {
	if len(e) == 0 {
		return "invalid input"
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return e[keys[0]]
}
