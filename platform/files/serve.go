package files

import (
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Serve streams r as the response. attachment=true always downloads
// (Content-Disposition: attachment), the only safe way to hand out a file a
// user uploaded; inline is for types the caller has checked are safe to
// show (images, PDF, audio, video). It answers conditional requests
// (ETag is the SHA-256) and a single byte range, so a video can seek and a
// broken download can resume; the bytes are streamed, never read whole.
// Serve closes r.
func Serve(c *fiber.Ctx, r Reader, name, contentType string, attachment bool) error {
	etag := `"` + r.SHA256() + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, max-age=0, must-revalidate")
	disp := "inline"
	if attachment {
		disp = "attachment"
	}
	c.Set(fiber.HeaderContentDisposition, ContentDisposition(disp, name))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, contentType)
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && strings.Contains(inm, etag) {
		r.Close()
		return c.SendStatus(fiber.StatusNotModified)
	}
	size := r.Size()
	start, end, partial, ok := parseRange(c.Get(fiber.HeaderRange), size)
	if ir := c.Get(fiber.HeaderIfRange); ir != "" && ir != etag {
		partial, ok = false, true // the client's copy is stale: send it all
		start, end = 0, size-1
	}
	if !ok {
		r.Close()
		c.Set(fiber.HeaderContentRange, "bytes */"+strconv.FormatInt(size, 10))
		return c.SendStatus(fiber.StatusRequestedRangeNotSatisfiable)
	}
	length := end - start + 1
	if size == 0 {
		length = 0
	}
	if partial {
		if _, err := r.Seek(start, io.SeekStart); err != nil {
			r.Close()
			return err
		}
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	}
	if c.Method() == fiber.MethodHead {
		r.Close()
		c.Context().Response.Header.SetContentLength(int(length))
		return nil
	}
	c.Context().SetBodyStream(&limitCloser{Reader: io.LimitReader(r, length), c: r}, int(length))
	return nil
}

type limitCloser struct {
	io.Reader
	c io.Closer
}

func (l *limitCloser) Close() error { return l.c.Close() }

// parseRange reads a single "bytes=" range. partial is false when the whole
// file should be sent (no header, several ranges, or a unit we do not
// serve); ok is false when the range cannot be satisfied.
func parseRange(h string, size int64) (start, end int64, partial, ok bool) {
	if h == "" || !strings.HasPrefix(h, "bytes=") || strings.Contains(h, ",") {
		return 0, size - 1, false, true
	}
	spec := strings.TrimSpace(strings.TrimPrefix(h, "bytes="))
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, size - 1, false, true
	}
	switch {
	case a == "": // the last b bytes
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false, false
		}
		if n > size {
			n = size
		}
		return size - n, size - 1, true, size > 0
	default:
		s, err := strconv.ParseInt(a, 10, 64)
		if err != nil || s < 0 || s >= size {
			return 0, 0, false, false
		}
		e := size - 1
		if b != "" {
			v, err := strconv.ParseInt(b, 10, 64)
			if err != nil || v < s {
				return 0, 0, false, false
			}
			if v < e {
				e = v
			}
		}
		return s, e, true, true
	}
}

// ContentDisposition builds the header for a file name a user chose:
// control characters (CR/LF could split headers) are dropped and non-ASCII
// names are encoded (RFC 2231/5987) so every browser shows them.
func ContentDisposition(disposition, name string) string {
	name = SafeName(name)
	if v := mime.FormatMediaType(disposition, map[string]string{"filename": name}); v != "" {
		return v
	}
	return disposition
}

// SafeName cleans a user-supplied file name for storing and showing: no
// directories, no control characters, not empty, at most 255 bytes.
func SafeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 255 {
		_, size := lastRune(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}
