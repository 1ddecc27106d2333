package server

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxEcho is how many characters of a value a person typed or sent an
// error message quotes back; the rest is cut, on a character boundary,
// and marked with "…".
const maxEcho = 80

// clipQuoted shortens every value quoted in msg — in Go quotes ("…", as
// %q writes them) or in Chinese quotation marks (“…”) — to maxEcho
// characters. Messages are checked here, where every error becomes a
// response, so no domain package can echo a megabyte back.
func clipQuoted(msg string) string {
	if len(msg) <= maxEcho {
		return msg
	}
	var b strings.Builder
	for i := 0; i < len(msg); {
		switch {
		case msg[i] == '"':
			if q, err := strconv.QuotedPrefix(msg[i:]); err == nil {
				b.WriteString(clipGoQuoted(q))
				i += len(q)
				continue
			}
		case strings.HasPrefix(msg[i:], "“"):
			if end := strings.Index(msg[i+len("“"):], "”"); end >= 0 {
				v := msg[i+len("“") : i+len("“")+end]
				b.WriteString("“" + clip(v) + "”")
				i += len("“") + end + len("”")
				continue
			}
		}
		b.WriteByte(msg[i])
		i++
	}
	return b.String()
}

// clipGoQuoted clips the value of a Go-quoted string, quoted again.
func clipGoQuoted(q string) string {
	v, err := strconv.Unquote(q)
	if err != nil || utf8.RuneCountInString(v) <= maxEcho {
		return q
	}
	return strconv.Quote(clip(v))
}

// clip returns s cut to maxEcho characters, with "…" when cut.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	n := 0
	for i := range s {
		if n == maxEcho {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
