package inbound

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime"
	"net/textproto"
	"strconv"
	"strings"
)

// Large messages are parsed without holding their big attachments.
//
// enmime reads every part whole (the encoded body, then the decoded copy),
// so a 25 MB attachment cost about four times its size. A message larger
// than streamMessageMin is therefore first walked line by line: every
// base64 leaf part that is a file (not text/*, message/*, multipart/* or
// winmail.dat) and larger than streamPartMin is cut out of a "skeleton"
// copy of the message — its header stays, marked with spoolHeader, its
// body becomes empty — and remembered by its byte range in the raw
// message. enmime then parses the small skeleton, so headers, bodies,
// charsets, the part tree and every tolerance come out exactly as for the
// whole message; the cut parts become Attachments whose bytes are decoded
// from the raw message when the deliverer opens them (streamed into the
// file store). Everything the walk is unsure of (a part it cannot parse,
// base64 with stray characters, a boundary it might have missed) is copied
// into the skeleton unchanged, i.e. left to enmime as before.
//
// Only base64 is cut: it is what large attachments use, and its decoding
// ignores line ends, so the part's byte range needs no exactness at the
// boundary.
var (
	streamMessageMin int64 = 1 << 20
	streamPartMin    int64 = 64 << 10
)

// spoolHeader marks a cut part in the skeleton; its value is the walk's
// random token and the part's index (a header a sender wrote cannot
// match the token).
const spoolHeader = "X-Frontdesk-Spooled-Part"

type spooledPart struct {
	off, n int64 // the encoded body's byte range in the raw message
	size   int64 // decoded size
}

// skeleton is the result of the walk.
type skeleton struct {
	raw   io.ReaderAt
	token string
	msg   []byte // the message with the cut parts' bodies emptied
	parts []spooledPart
}

// part returns the cut part a skeleton header value names.
func (sk *skeleton) part(v string) (spooledPart, bool) {
	tok, idx, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok || sk == nil || tok != sk.token {
		return spooledPart{}, false
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(sk.parts) {
		return spooledPart{}, false
	}
	return sk.parts[i], true
}

// open decodes a cut part from the raw message.
func (sk *skeleton) open(p spooledPart) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		enc := &base64Filter{r: bufio.NewReaderSize(io.NewSectionReader(sk.raw, p.off, p.n), 32<<10)}
		return io.NopCloser(base64.NewDecoder(base64.RawStdEncoding, enc)), nil
	}
}

// base64Filter drops what enmime's base64 cleaner drops silently
// (whitespace and '='); the walk only cuts parts that hold nothing else.
type base64Filter struct{ r io.Reader }

func (f *base64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if b64Class[c] >= 0 {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// b64Class: 0..63 for the alphabet, -2 for what is skipped silently
// (tab, CR, LF, space, '='), -1 for anything else (a stray character:
// enmime warns about it, so such parts are not cut).
var b64Class = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	for _, c := range "\t\r\n =" {
		t[c] = -2
	}
	return t
}()

// buildSkeleton walks the raw message (size bytes) and cuts its large
// base64 file parts; ok is false when nothing was cut (the message is
// then parsed as it is).
func buildSkeleton(raw io.ReaderAt, size int64) (*skeleton, bool) {
	var tok [8]byte
	_, _ = rand.Read(tok[:])
	w := &walker{
		raw: raw,
		br:  bufio.NewReaderSize(io.NewSectionReader(raw, 0, size), 64<<10),
		sk:  &skeleton{raw: raw, token: hex.EncodeToString(tok[:])},
	}
	w.atStart = true
	w.entity(nil, "text/plain")
	if w.err != nil || len(w.sk.parts) == 0 {
		return nil, false
	}
	w.sk.msg = w.out.Bytes()
	return w.sk, true
}

// walker reads the message line by line, copying it to out.
type walker struct {
	raw     io.ReaderAt
	br      *bufio.Reader
	pos     int64 // offset of the next byte br returns
	atStart bool  // the next byte starts a line
	out     bytes.Buffer
	sk      *skeleton
	err     error
}

// line returns the next line (with its line end) or, for a line longer
// than the buffer, its next piece; start tells whether it begins a line.
// The slice is valid until the next call.
func (w *walker) line() (b []byte, start bool, off int64, ok bool) {
	b, err := w.br.ReadSlice('\n')
	if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
		w.err = err
		return nil, false, 0, false
	}
	if len(b) == 0 {
		return nil, false, 0, false
	}
	start, off = w.atStart, w.pos
	w.pos += int64(len(b))
	w.atStart = b[len(b)-1] == '\n'
	return b, start, off, true
}

// delimiter reports whether line is a boundary line of one of the open
// multiparts: which one (index into bounds) and whether it is the closing
// one.
func delimiter(line []byte, start bool, bounds []string) (int, bool, bool) {
	if !start || len(bounds) == 0 || !bytes.HasPrefix(line, []byte("--")) {
		return 0, false, false
	}
	l := bytes.TrimRight(line, " \t\r\n")[2:]
	for i := len(bounds) - 1; i >= 0; i-- {
		b := bounds[i]
		if !bytes.HasPrefix(l, []byte(b)) {
			continue
		}
		switch rest := l[len(b):]; {
		case len(rest) == 0:
			return i, false, true
		case string(rest) == "--":
			return i, true, true
		}
	}
	return 0, false, false
}

// end is what stopped an entity: a boundary line (already copied to out)
// of bounds[idx], or the end of the message.
type end struct {
	idx   int
	final bool
	eof   bool
}

// entity walks one MIME entity (header and body) inside the multiparts
// bounds, copying it to out, and returns the boundary line that ended it.
func (w *walker) entity(bounds []string, defaultType string) end {
	var hdr bytes.Buffer
	blank := []byte("\r\n")
	for {
		b, start, _, ok := w.line()
		if !ok {
			w.out.Write(hdr.Bytes())
			return end{eof: true}
		}
		if i, final, isDelim := delimiter(b, start, bounds); isDelim {
			w.out.Write(hdr.Bytes())
			w.out.Write(b)
			return end{idx: i, final: final}
		}
		if start && (string(b) == "\r\n" || string(b) == "\n") {
			blank = append([]byte(nil), b...)
			break
		}
		hdr.Write(b)
	}
	h, herr := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(hdr.Bytes()), bytes.NewReader([]byte("\r\n"))))).ReadMIMEHeader()
	ctype := defaultType
	if v := h.Get("Content-Type"); v != "" {
		ctype = v
	}
	mt, params, perr := mime.ParseMediaType(ctype)
	if herr != nil || perr != nil {
		mt = "" // unreadable: copied as it is
	}
	switch {
	case strings.HasPrefix(mt, "multipart/") && params["boundary"] != "":
		w.out.Write(hdr.Bytes())
		w.out.Write(blank)
		return w.multipart(bounds, params["boundary"], mt == "multipart/digest")
	case cuttable(mt, h):
		return w.leaf(bounds, hdr.Bytes(), blank)
	}
	w.out.Write(hdr.Bytes())
	w.out.Write(blank)
	return w.copyBody(bounds)
}

// cuttable: a base64 file part (not text, not a message, not TNEF).
func cuttable(mt string, h textproto.MIMEHeader) bool {
	if mt == "" || strings.HasPrefix(mt, "text/") || strings.HasPrefix(mt, "message/") || strings.HasPrefix(mt, "multipart/") ||
		mt == "application/ms-tnef" || mt == "application/vnd.ms-tnef" {
		return false
	}
	if !strings.EqualFold(strings.TrimSpace(h.Get("Content-Transfer-Encoding")), "base64") {
		return false
	}
	return !strings.Contains(strings.ToLower(h.Get("Content-Type")+h.Get("Content-Disposition")), "winmail.dat")
}

// copyBody copies lines up to the next boundary line of bounds.
func (w *walker) copyBody(bounds []string) end {
	for {
		b, start, _, ok := w.line()
		if !ok {
			return end{eof: true}
		}
		w.out.Write(b)
		if i, final, isDelim := delimiter(b, start, bounds); isDelim {
			return end{idx: i, final: final}
		}
	}
}

// multipart walks the body of a multipart entity with boundary b.
func (w *walker) multipart(bounds []string, b string, digest bool) end {
	inner := append(bounds[:len(bounds):len(bounds)], b)
	me := len(inner) - 1
	e := w.copyBody(inner) // preamble
	def := "text/plain"
	if digest {
		def = "message/rfc822"
	}
	for !e.eof && e.idx == me && !e.final {
		e = w.entity(inner, def)
	}
	if e.eof || e.idx != me {
		return e // ended by an outer boundary (or the message) unclosed
	}
	return w.copyBody(bounds) // epilogue
}

// leaf scans a base64 part's body; a large, clean one is cut (its header
// marked, its body emptied), anything else copied from the raw message.
func (w *walker) leaf(bounds []string, hdr, blank []byte) end {
	off := w.pos
	var chars int64
	clean := true
	var e end
	var delim []byte
	stop := w.pos
	for {
		b, start, at, ok := w.line()
		if !ok {
			e.eof = true
			stop = w.pos
			break
		}
		if i, final, isDelim := delimiter(b, start, bounds); isDelim {
			e = end{idx: i, final: final}
			delim = append([]byte(nil), b...)
			stop = at
			break
		}
		for _, c := range b {
			switch k := b64Class[c]; {
			case k >= 0:
				chars++
			case k == -1:
				clean = false
			}
		}
	}
	if w.err != nil {
		return end{eof: true}
	}
	if clean && chars > 0 && chars%4 != 1 && stop-off >= streamPartMin {
		idx := len(w.sk.parts)
		w.sk.parts = append(w.sk.parts, spooledPart{off: off, n: stop - off, size: chars/4*3 + (chars%4*3)/4})
		w.out.Write(hdr)
		w.out.WriteString(spoolHeader + ": " + w.sk.token + ":" + strconv.Itoa(idx))
		w.out.Write(blank)
		w.out.Write(blank)
		w.out.Write(blank) // an empty body, and the line end the boundary owns
	} else {
		w.out.Write(hdr)
		w.out.Write(blank)
		if _, err := io.Copy(&w.out, io.NewSectionReader(w.raw, off, stop-off)); err != nil {
			w.err = err
			return end{eof: true}
		}
	}
	w.out.Write(delim)
	return e
}
