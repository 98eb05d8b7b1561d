// Package pdftext pulls the text out of the PDFs billing writes, so tests
// can assert what a reader of the invoice would see. It understands what
// fpdf produces with the core fonts: Flate-compressed (or plain) content
// streams with "(…) Tj" text in a single-byte code page.
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"regexp"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

var streamRE = regexp.MustCompile(`(?s)<<(.*?)>>\s*stream\r?\n`)

// Strings returns every text string shown on the pages, in order, decoded
// from Windows-1252 to UTF-8.
func Strings(pdf []byte) ([]string, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, errors.New("not a PDF")
	}
	var out []string
	rest := pdf
	for {
		loc := streamRE.FindSubmatchIndex(rest)
		if loc == nil {
			break
		}
		dict := rest[loc[2]:loc[3]]
		body := rest[loc[1]:]
		end := bytes.Index(body, []byte("endstream"))
		if end < 0 {
			return nil, errors.New("unterminated stream")
		}
		data := body[:end]
		rest = body[end:]
		if bytes.Contains(dict, []byte("/Subtype /Image")) || bytes.Contains(dict, []byte("/Length1")) {
			continue
		}
		if bytes.Contains(dict, []byte("/FlateDecode")) {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				continue
			}
			data, err = io.ReadAll(zr)
			if err != nil && len(data) == 0 {
				continue
			}
		}
		out = append(out, shown(data)...)
	}
	return out, nil
}

// Text is Strings joined with newlines.
func Text(pdf []byte) (string, error) {
	s, err := Strings(pdf)
	return strings.Join(s, "\n"), err
}

// shown finds "(…) Tj" operands in a content stream.
func shown(content []byte) []string {
	var out []string
	dec := charmap.Windows1252.NewDecoder()
	for i := 0; i < len(content); i++ {
		if content[i] != '(' {
			continue
		}
		var b []byte
		j := i + 1
		depth := 0
	scan:
		for ; j < len(content); j++ {
			c := content[j]
			switch {
			case c == '\\' && j+1 < len(content):
				j++
				switch e := content[j]; e {
				case 'n':
					b = append(b, '\n')
				case 'r':
					b = append(b, '\r')
				case 't':
					b = append(b, '\t')
				case '(', ')', '\\':
					b = append(b, e)
				default:
					if e >= '0' && e <= '7' {
						v, k := 0, 0
						for ; k < 3 && j+k < len(content) && content[j+k] >= '0' && content[j+k] <= '7'; k++ {
							v = v*8 + int(content[j+k]-'0')
						}
						b = append(b, byte(v))
						j += k - 1
					}
				}
			case c == '(':
				depth++
				b = append(b, c)
			case c == ')':
				if depth == 0 {
					break scan
				}
				depth--
				b = append(b, c)
			default:
				b = append(b, c)
			}
		}
		tail := bytes.TrimLeft(content[min(j+1, len(content)):], " ")
		if bytes.HasPrefix(tail, []byte("Tj")) {
			s, err := dec.Bytes(b)
			if err != nil {
				s = b
			}
			out = append(out, string(s))
		}
		i = j
	}
	return out
}
