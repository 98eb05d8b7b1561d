package inbound

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"
)

// TNEF (application/ms-tnef, "winmail.dat") is how Outlook wraps rich-text
// mail and its files. DecodeTNEF reads the attributes stream described in
// [MS-OXTNEF]: each attachment starts with attAttachRendData, is named by
// attAttachTitle (or the MAPI long file name in attAttachment) and carried
// by attAttachData. The message body, when present as attBody, is returned
// as text. Written here because no pure-Go TNEF module is served by our
// module proxy.

const (
	tnefSignature    = 0x223e9f78
	lvlMessage       = 1
	lvlAttachment    = 2
	attBody          = 0x0002800c
	attAttachRenddat = 0x00069002
	attAttachTitle   = 0x00018010
	attAttachData    = 0x0006800f
	attAttachment    = 0x00069005
	attMAPIProps     = 0x00069003

	prAttachLongFilename = 0x3707
	prAttachMimeTag      = 0x370e
	prAttachContentID    = 0x3712
)

var errNotTNEF = errors.New("not a TNEF stream")

// DecodeTNEF returns the files inside a TNEF stream and its plain body.
func DecodeTNEF(data []byte) (files []Attachment, body string, err error) {
	if len(data) < 6 || binary.LittleEndian.Uint32(data) != tnefSignature {
		return nil, "", errNotTNEF
	}
	pos := 6 // signature + legacy key
	var cur *Attachment
	flush := func() {
		if cur != nil && (len(cur.Data) > 0 || cur.Filename != "") {
			if cur.Filename == "" {
				cur.Filename = "attachment.bin"
			}
			if cur.ContentType == "" {
				cur.ContentType = "application/octet-stream"
			}
			cur.Origin = "tnef"
			files = append(files, *cur)
		}
		cur = nil
	}
	for pos < len(data) {
		if len(data)-pos < 9 {
			return nil, "", errors.New("truncated TNEF attribute header")
		}
		level := data[pos]
		id := binary.LittleEndian.Uint32(data[pos+1:])
		n := int(binary.LittleEndian.Uint32(data[pos+5:]))
		pos += 9
		if n < 0 || n > len(data)-pos || len(data)-pos-n < 2 {
			return nil, "", errors.New("truncated TNEF attribute")
		}
		val := data[pos : pos+n]
		pos += n + 2 // value + checksum
		switch {
		case level == lvlMessage && id == attBody:
			body = strings.TrimRight(string(val), "\x00")
		case level == lvlAttachment && id == attAttachRenddat:
			flush()
			cur = &Attachment{}
		case level == lvlAttachment && cur != nil && id == attAttachTitle:
			if cur.Filename == "" {
				cur.Filename = cleanFilename(strings.TrimRight(string(val), "\x00"))
			}
		case level == lvlAttachment && cur != nil && id == attAttachData:
			cur.Data = val
		case level == lvlAttachment && cur != nil && id == attAttachment:
			props := mapiProps(val)
			if s := props[prAttachLongFilename]; s != "" {
				cur.Filename = cleanFilename(s)
			}
			if s := props[prAttachMimeTag]; s != "" {
				cur.ContentType = strings.ToLower(s)
			}
			if s := props[prAttachContentID]; s != "" {
				cur.ContentID = strings.Trim(s, "<>")
			}
		}
	}
	flush()
	if len(files) == 0 && body == "" {
		return nil, "", errors.New("TNEF stream holds no files")
	}
	return files, body, nil
}

// mapiProps reads the string properties of a MAPI property block; anything
// it cannot follow ends the walk (the file is still usable by title).
func mapiProps(b []byte) map[uint16]string {
	out := map[uint16]string{}
	r := &leReader{b: b}
	count, ok := r.u32()
	for i := uint32(0); ok && i < count && i < 1000; i++ {
		typ, ok1 := r.u16()
		pid, ok2 := r.u16()
		if !ok1 || !ok2 {
			return out
		}
		if pid >= 0x8000 { // named property: GUID, kind, id or name
			if !r.skip(16) {
				return out
			}
			kind, ok := r.u32()
			if !ok {
				return out
			}
			if kind == 0 {
				if !r.skip(4) {
					return out
				}
			} else {
				n, ok := r.u32()
				if !ok || !r.skip(pad4(int(n))) {
					return out
				}
			}
		}
		multi := typ&0x1000 != 0
		typ &^= 0x1000
		values := uint32(1)
		if multi || isVarType(typ) {
			if values, ok = r.u32(); !ok || values > 1<<16 {
				return out
			}
		}
		for v := uint32(0); v < values; v++ {
			if isVarType(typ) {
				n, ok := r.u32()
				if !ok || int(n) > len(r.b)-r.p {
					return out
				}
				raw := r.b[r.p : r.p+int(n)]
				if !r.skip(pad4(int(n))) {
					return out
				}
				if v == 0 {
					switch typ {
					case 0x001e:
						out[pid] = strings.TrimRight(string(raw), "\x00")
					case 0x001f:
						out[pid] = strings.TrimRight(utf16le(raw), "\x00")
					}
				}
				continue
			}
			size := fixedSize(typ)
			if size < 0 || !r.skip(size) {
				return out
			}
		}
	}
	return out
}

func isVarType(t uint16) bool { return t == 0x001e || t == 0x001f || t == 0x0102 || t == 0x000d }

func fixedSize(t uint16) int {
	switch t {
	case 0x0002, 0x0003, 0x0004, 0x000a, 0x000b:
		return 4
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040:
		return 8
	case 0x0048:
		return 16
	}
	return -1
}

func pad4(n int) int { return (n + 3) &^ 3 }

func utf16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

type leReader struct {
	b []byte
	p int
}

func (r *leReader) u32() (uint32, bool) {
	if len(r.b)-r.p < 4 {
		return 0, false
	}
	v := binary.LittleEndian.Uint32(r.b[r.p:])
	r.p += 4
	return v, true
}

func (r *leReader) u16() (uint16, bool) {
	if len(r.b)-r.p < 2 {
		return 0, false
	}
	v := binary.LittleEndian.Uint16(r.b[r.p:])
	r.p += 2
	return v, true
}

func (r *leReader) skip(n int) bool {
	if n < 0 || len(r.b)-r.p < n {
		return false
	}
	r.p += n
	return true
}
