package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// CleanText removes what no text a person means to store contains and
// what databases refuse or mangle: NUL and the other control characters
// (tab, line feed and carriage return stay), and byte sequences that are
// not UTF-8 (they become U+FFFD). Importers call it on what they read;
// CleanInput applies it to every request.
func CleanText(s string) string {
	if isClean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if unwanted(r) {
			return -1
		}
		return r
	}, s)
}

func unwanted(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f)
}

func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f {
			// Slow path only for text that may need it.
			for _, r := range s {
				if r == utf8.RuneError || unwanted(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}

// CleanInput is the edge every request passes before any handler: query
// parameters, url-encoded and multipart form fields (and upload file
// names), and JSON bodies are put through CleanText, so a NUL byte or a
// broken UTF-8 sequence never reaches a handler, a database or a log
// table (PostgreSQL refuses both in text columns).
//
// Multipart bodies under streamedUploads (path prefixes) are not parsed
// here: their handlers read the request body as a stream, part by part
// into the file store (parsing it here would consume the stream and buffer
// a 500 MB upload), and clean the few fields they read themselves.
func CleanInput(streamedUploads ...string) fiber.Handler {
	streamed := func(path string) bool {
		for _, p := range streamedUploads {
			if strings.HasPrefix(path, p) {
				return true
			}
		}
		return false
	}
	return func(c *fiber.Ctx) error {
		cleanArgs(c.Request().URI().QueryArgs())
		if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
			return c.Next()
		}
		ct := strings.ToLower(string(c.Request().Header.ContentType()))
		switch {
		case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
			if cleanArgs(c.Request().PostArgs()) {
				c.Request().SetBodyString(c.Request().PostArgs().String())
			}
		case strings.HasPrefix(ct, fiber.MIMEMultipartForm) && streamed(c.Path()):
		case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
			if form, err := c.MultipartForm(); err == nil {
				for _, vs := range form.Value {
					for i, v := range vs {
						vs[i] = CleanText(v)
					}
				}
				for _, fhs := range form.File {
					for _, fh := range fhs {
						fh.Filename = CleanText(fh.Filename)
					}
				}
			}
		case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
			if body, ok := cleanJSON(c.Body()); ok {
				c.Request().SetBody(body)
			}
		}
		return c.Next()
	}
}

// cleanArgs cleans every key and value in place and reports whether any
// changed.
func cleanArgs(args *fasthttp.Args) bool {
	dirty := false
	args.VisitAll(func(k, v []byte) {
		if !dirty && (!isClean(string(k)) || !isClean(string(v))) {
			dirty = true
		}
	})
	if !dirty {
		return false
	}
	type kv struct{ k, v string }
	var all []kv
	args.VisitAll(func(k, v []byte) { all = append(all, kv{CleanText(string(k)), CleanText(string(v))}) })
	args.Reset()
	for _, p := range all {
		args.Add(p.k, p.v)
	}
	return true
}

// cleanJSON returns body with every string (keys too) cleaned, and false
// when nothing needed it or the body is not JSON (the handler reports
// that). Control characters can only hide in escapes or raw bytes.
func cleanJSON(body []byte) ([]byte, bool) {
	if utf8.Valid(body) && !bytes.Contains(body, []byte(`\u`)) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	out, err := json.Marshal(cleanValue(v))
	if err != nil {
		return nil, false
	}
	return out, true
}

func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		return CleanText(x)
	case []any:
		for i := range x {
			x[i] = cleanValue(x[i])
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[CleanText(k)] = cleanValue(val)
		}
		return out
	}
	return v
}
