package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The answer of an executed request is written by jsonWriter, not by
// encoding/json: it writes graphql-go's result — maps, lists, strings,
// numbers — with each object's keys in the order of the request's
// selection set (shaped, with the answer's shape: collect.go), where
// encoding/json would sort them, and splices in the lists written past
// the executor (rawJSON) as they are, where encoding/json would check and
// compact them again. Apart from the order of keys it writes what
// encoding/json writes with HTML escaping off, as encodeJSON has it, and
// a map without a shape (a value of the JSON scalar) with its keys sorted
// as encoding/json does; TestAppendJSONAsEncodingJSON,
// TestShapedAsEncodingJSON and TestDirectListsAsExecutor hold it to that.

// rawJSON is a value already written as JSON (a list written past the
// executor), spliced into the answer as it is.
type rawJSON []byte

// appendJSON appends v as encoding/json writes it with HTML escaping off.
// Like encoding/json it fails on a float that is NaN or infinite.
func appendJSON(buf []byte, v any) ([]byte, error) {
	w := &jsonWriter{buf: buf, inline: true}
	if err := w.value(v); err != nil {
		return nil, err
	}
	return w.buf, nil
}

// jsonWriter writes JSON in chunks: a long list written past the
// executor (rawJSON) is a chunk of its own, not copied into the answer
// (a table of 5 510 cells is a megabyte).
type jsonWriter struct {
	chunks [][]byte // written before buf
	buf    []byte
	inline bool // copy every rawJSON into buf
}

// ownChunk is the length from which a rawJSON is a chunk of its own.
const ownChunk = 4 << 10

// shaped writes v as value does, with the keys of its objects in the
// order of s; keys s does not name (none, in an answer to a validated
// request) follow, sorted. A nil s writes v as value does.
func (w *jsonWriter) shaped(v any, s *answerShape) error {
	if s == nil {
		return w.value(v)
	}
	switch v := v.(type) {
	case []any:
		if v == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		w.buf = append(w.buf, '[')
		for i, x := range v {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if err := w.shaped(x, s); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ']')
	case map[string]any:
		if v == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		w.buf = append(w.buf, '{')
		n := 0
		for _, k := range s.keys {
			x, ok := v[k.name]
			if !ok {
				continue
			}
			if n > 0 {
				w.buf = append(w.buf, ',')
			}
			n++
			w.buf = append(appendString(w.buf, k.name), ':')
			if err := w.shaped(x, k.sub); err != nil {
				return err
			}
		}
		if n < len(v) {
			for _, name := range slices.Sorted(maps.Keys(v)) {
				if s.has(name) {
					continue
				}
				if n > 0 {
					w.buf = append(w.buf, ',')
				}
				n++
				w.buf = append(appendString(w.buf, name), ':')
				if err := w.value(v[name]); err != nil {
					return err
				}
			}
		}
		w.buf = append(w.buf, '}')
	default:
		return w.value(v)
	}
	return nil
}

// body returns the chunks written, in order.
func (w *jsonWriter) body() body { return append(w.chunks, w.buf) }

// value writes v as encoding/json writes it with HTML escaping off.
func (w *jsonWriter) value(v any) error {
	switch v := v.(type) {
	case nil:
		w.buf = append(w.buf, "null"...)
	case rawJSON:
		if w.inline || len(v) < ownChunk {
			w.buf = append(w.buf, v...)
		} else {
			w.chunks = append(w.chunks, w.buf, v)
			w.buf = make([]byte, 0, 512)
		}
	case string:
		w.buf = appendString(w.buf, v)
	case bool:
		w.buf = strconv.AppendBool(w.buf, v)
	case int:
		w.buf = strconv.AppendInt(w.buf, int64(v), 10)
	case float64:
		b, err := appendFloat(w.buf, v)
		if err != nil {
			return err
		}
		w.buf = b
	case []any:
		if v == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		w.buf = append(w.buf, '[')
		for i, x := range v {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if err := w.value(x); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ']')
	case map[string]any:
		if v == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		w.buf = append(w.buf, '{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(appendString(w.buf, k), ':')
			if err := w.value(v[k]); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, '}')
	default:
		// Anything else (the JSON scalar's objects) is rare and small:
		// encoding/json writes it.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		w.buf = append(w.buf, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
	}
	return nil
}

// body is an answer in chunks, written one after the other.
type body [][]byte

// size is the answer's length.
func (b body) size() int {
	n := 0
	for _, c := range b {
		n += len(c)
	}
	return n
}

// bytes is the answer in one piece.
func (b body) bytes() []byte { return slices.Concat(b...) }

// appendFloat appends f as encoding/json writes a float64: like %g, but
// with ES6's exponent cutoffs and no padding of the exponent.
func appendFloat(buf []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %v", f)
	}
	// A whole number (most figures) is its digits, as 'f' writes it,
	// without the search for the shortest form; -0 is "-0".
	if f == math.Trunc(f) && math.Abs(f) < 1e15 && (f != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(buf, int64(f), 10), nil
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		// e-09 -> e-9
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf, nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s quoted as encoding/json quotes a string with
// HTML escaping off: control characters, '"' and '\\' escaped, invalid
// UTF-8 as U+FFFD, and U+2028 and U+2029 escaped (for JSONP).
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '\\', '"':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
