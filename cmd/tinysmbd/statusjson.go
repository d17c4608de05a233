package main

import (
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tinysmbd/tinysmbd/server"
)

// writeStatusJSON is `tinysmbd status -json`: the same facts as writeStatus
// as one JSON object, for scripts. docs/status-json.md is its schema. It is
// written out rather than marshalled from server.Status with encoding/json
// (which log/slog links anyway): the schema's snake_case names, whole-second
// RFC 3339 times, null for an unknown time and [] for an empty list would
// each need a wrapper type or tags on the server's public structs.
func writeStatusJSON(w io.Writer, d daemonInfo, st server.Status, now time.Time) {
	var j jsonWriter
	j.open('{')
	j.key("pid").num(uint64(d.pid))
	j.key("version").str(d.version)
	j.key("config").str(d.config)
	j.key("listen").open('{')
	for _, l := range d.listen {
		j.key(l[0]).str(l[1])
	}
	j.close('}')
	j.key("started").time(st.Started)
	j.key("uptime_seconds").num(uint64(now.Sub(st.Started) / time.Second))
	j.key("connections").open('[')
	for _, c := range st.Connections {
		j.open('{')
		j.key("id").num(c.ID)
		j.key("client").str(c.RemoteAddr)
		j.key("local").str(c.LocalAddr)
		j.key("framing").str(c.Framing.String())
		j.key("dialect").str(c.Dialect)
		j.key("since").time(c.Since)
		j.key("sessions").open('[')
		for _, s := range c.Sessions {
			j.open('{')
			j.key("uid").num(uint64(s.UID))
			j.key("user").str(s.User)
			j.key("domain").str(s.Domain)
			j.key("guest").bool(s.Guest)
			j.key("since").time(s.Since)
			j.close('}')
		}
		j.close(']')
		j.key("trees").open('[')
		for _, t := range c.Trees {
			j.open('{')
			j.key("tid").num(uint64(t.TID))
			j.key("uid").num(uint64(t.UID))
			j.key("share").str(t.Share)
			j.key("read_only").bool(t.ReadOnly)
			j.key("since").time(t.Since)
			j.close('}')
		}
		j.close(']')
		j.key("files").open('[')
		for _, f := range c.Files {
			j.open('{')
			j.key("fid").num(uint64(f.FID))
			j.key("tid").num(uint64(f.TID))
			j.key("uid").num(uint64(f.UID))
			j.key("pid").num(uint64(f.PID))
			j.key("share").str(f.Share)
			j.key("path").str(f.Path)
			j.key("access").num(uint64(f.Access))
			j.key("directory").bool(f.Directory)
			j.key("delete_on_close").bool(f.DeleteOnClose)
			j.key("opened").time(f.Opened)
			j.key("locks").open('[')
			for _, l := range f.Locks {
				j.open('{')
				j.key("pid").num(uint64(l.PID))
				j.key("offset").num(l.Offset)
				j.key("length").num(l.Length)
				j.key("exclusive").bool(l.Exclusive)
				j.close('}')
			}
			j.close(']')
			j.close('}')
		}
		j.close(']')
		j.close('}')
	}
	j.close(']')
	j.close('}')
	j.b = append(j.b, '\n')
	w.Write(j.b)
}

// jsonWriter appends JSON (RFC 8259) to b, placing the commas itself: a
// value directly after an opening bracket or a key gets none.
type jsonWriter struct {
	b     []byte
	first bool // the next value or key starts an object or array
}

func (j *jsonWriter) sep() {
	if !j.first && len(j.b) > 0 {
		j.b = append(j.b, ',')
	}
	j.first = false
}

func (j *jsonWriter) open(c byte) {
	j.sep()
	j.b = append(j.b, c)
	j.first = true
}

func (j *jsonWriter) close(c byte) {
	j.b = append(j.b, c)
	j.first = false
}

// key writes a member name; the value that follows takes no comma.
func (j *jsonWriter) key(k string) *jsonWriter {
	j.sep()
	j.quote(k)
	j.b = append(j.b, ':')
	j.first = true
	return j
}

func (j *jsonWriter) str(s string) {
	j.sep()
	j.quote(s)
}

func (j *jsonWriter) num(n uint64) {
	j.sep()
	j.b = strconv.AppendUint(j.b, n, 10)
}

func (j *jsonWriter) bool(v bool) {
	j.sep()
	j.b = strconv.AppendBool(j.b, v)
}

// time writes t in RFC 3339 with its zone, or null for the zero time.
func (j *jsonWriter) time(t time.Time) {
	j.sep()
	if t.IsZero() {
		j.b = append(j.b, "null"...)
		return
	}
	j.b = append(j.b, '"')
	j.b = t.AppendFormat(j.b, time.RFC3339)
	j.b = append(j.b, '"')
}

// quote writes s as a JSON string: RFC 8259 section 7 requires escaping the
// quote, the backslash and the control characters; bytes that are not
// UTF-8 (a file name from a file system that allows them) become U+FFFD.
func (j *jsonWriter) quote(s string) {
	const hex = "0123456789abcdef"
	j.b = append(j.b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			j.b = append(j.b, '\\', byte(r))
		case r < 0x20:
			j.b = append(j.b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
		default:
			j.b = utf8.AppendRune(j.b, r)
		}
	}
	j.b = append(j.b, '"')
}
