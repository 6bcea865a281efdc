// Package logging is the one place where log lines are made: a log/slog JSON logger whose
// handler scrubs personal data (CPF, names, phones, e-mails, faces, documents) and secrets
// (keys, tokens, passwords, JWTs) out of every message and attribute before anything is
// written. Every component logs through New (or wraps its handler with NewHandler).
package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
)

// RequestIDKey is the attribute under which the request id from the context is logged.
const RequestIDKey = "requestId"

type requestIDKey struct{}

// WithRequestID returns a context whose log records carry id as "requestId".
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id set by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// New returns a JSON logger writing to w at level and above, every record going through
// the redacting handler.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(NewHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// NewHandler wraps inner so that the message and every attribute (including those added
// with Logger.With and inside groups) are redacted before inner sees them, and the request
// id from the context (see WithRequestID) is added as a top-level "requestId".
func NewHandler(inner slog.Handler) slog.Handler {
	if h, ok := inner.(*handler); ok {
		return h
	}
	return &handler{base: inner}
}

type handler struct {
	// base is the inner handler with the attributes added before the first group. Groups
	// are kept here rather than passed to base so that requestId stays top-level.
	base   slog.Handler
	groups []group
	// all is set under a group whose name is a sensitive key: every value is redacted.
	all bool
}

type group struct {
	name  string
	attrs []slog.Attr
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.base.Enabled(ctx, l) }

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i], _ = redactAttr(a, h.all)
	}
	if len(h.groups) == 0 {
		return &handler{base: h.base.WithAttrs(red)}
	}
	gs := slices.Clone(h.groups)
	last := &gs[len(gs)-1]
	last.attrs = append(slices.Clip(last.attrs), red...)
	return &handler{base: h.base, groups: gs, all: h.all}
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	gs := append(slices.Clip(h.groups), group{name: name})
	return &handler{base: h.base, groups: gs, all: h.all || SensitiveKey(name)}
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, Redact(r.Message), r.PC)
	if id := RequestID(ctx); id != "" {
		nr.AddAttrs(slog.String(RequestIDKey, Redact(id)))
	}
	if len(h.groups) == 0 {
		r.Attrs(func(a slog.Attr) bool {
			a, _ = redactAttr(a, h.all)
			nr.AddAttrs(a)
			return true
		})
		return h.base.Handle(ctx, nr)
	}
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		a, _ = redactAttr(a, h.all)
		attrs = append(attrs, a)
		return true
	})
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := h.groups[i]
		inner := make([]slog.Attr, 0, len(g.attrs)+len(attrs))
		inner = append(append(inner, g.attrs...), attrs...)
		attrs = []slog.Attr{{Key: g.name, Value: slog.GroupValue(inner...)}}
	}
	nr.AddAttrs(attrs...)
	return h.base.Handle(ctx, nr)
}

// redactAttr returns a with its value scrubbed, and whether anything changed. force
// redacts every value (used under a sensitive group).
func redactAttr(a slog.Attr, force bool) (slog.Attr, bool) {
	v := a.Value.Resolve()
	if a.Key != "" && (force || SensitiveKey(a.Key)) {
		return slog.String(a.Key, Redacted), true
	}
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if r := redactString(s); r != s {
			return slog.String(a.Key, r), true
		}
	case slog.KindInt64:
		if n := v.Int64(); n >= 1e9 || n <= -1e9 {
			if r, ok := redactNumber(a.Key, strconv.FormatInt(n, 10)); ok {
				return r, true
			}
		}
	case slog.KindUint64:
		if n := v.Uint64(); n >= 1e9 {
			if r, ok := redactNumber(a.Key, strconv.FormatUint(n, 10)); ok {
				return r, true
			}
		}
	case slog.KindFloat64:
		if f := v.Float64(); math.Abs(f) >= 1e9 && math.Abs(f) < 1e15 && f == math.Trunc(f) {
			if r, ok := redactNumber(a.Key, strconv.FormatFloat(f, 'f', -1, 64)); ok {
				return r, true
			}
		}
	case slog.KindGroup:
		attrs := v.Group()
		var out []slog.Attr
		for i, ga := range attrs {
			ra, changed := redactAttr(ga, force)
			if changed && out == nil {
				out = slices.Clone(attrs)
			}
			if out != nil {
				out[i] = ra
			}
		}
		if out != nil {
			return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}, true
		}
	case slog.KindAny:
		if rv, ok := redactAny(v.Any()); ok {
			return slog.Attr{Key: a.Key, Value: rv}, true
		}
	}
	if v.Kind() != a.Value.Kind() { // a LogValuer was resolved
		return slog.Attr{Key: a.Key, Value: v}, true
	}
	return a, false
}

func redactNumber(key, digits string) (slog.Attr, bool) {
	if r := Redact(digits); r != digits {
		return slog.String(key, r), true
	}
	return slog.Attr{}, false
}

// redactAny renders an arbitrary value the way the JSON handler would and scrubs it:
// errors by their Error() text, byte slices by their length only, anything else through
// its JSON form with sensitive keys and values removed (falling back to %+v).
func redactAny(x any) (slog.Value, bool) {
	switch t := x.(type) {
	case nil:
		return slog.Value{}, false
	case error:
		return slog.StringValue(Redact(t.Error())), true
	case []byte:
		return slog.StringValue(fmt.Sprintf("[%d bytes]", len(t))), true
	}
	b, err := json.Marshal(x)
	if err != nil {
		return slog.StringValue(Redact(fmt.Sprintf("%+v", x))), true
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return slog.StringValue(Redact(fmt.Sprintf("%+v", x))), true
	}
	tree = redactTree(tree)
	if s, ok := tree.(string); ok {
		return slog.StringValue(s), true
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return slog.StringValue(Redacted), true
	}
	return slog.AnyValue(rawJSON(bytes.TrimRight(out.Bytes(), "\n"))), true
}

// redactString is Redact, except that a string holding a JSON object or array (a logged
// request or response body) has its sensitive keys redacted as well.
func redactString(s string) string {
	t := strings.TrimLeft(s, " \t\r\n")
	if t == "" || t[0] != '{' && t[0] != '[' || !json.Valid([]byte(t)) {
		return Redact(s)
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return Redact(s)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactTree(tree)); err != nil {
		return Redacted
	}
	return strings.TrimRight(out.String(), "\n")
}

// redactTree scrubs a decoded JSON document: values under sensitive keys become
// [REDACTED]; strings, long numbers and object keys go through Redact.
func redactTree(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if SensitiveKey(k) {
				out[Redact(k)] = Redacted
			} else {
				out[Redact(k)] = redactTree(val)
			}
		}
		return out
	case []any:
		for i := range t {
			t[i] = redactTree(t[i])
		}
		return t
	case string:
		return Redact(t)
	case json.Number:
		if s := string(t); len(s) >= 10 {
			if r := Redact(s); r != s {
				return r
			}
		}
		return t
	default:
		return v
	}
}

// rawJSON is an already-redacted JSON document: the JSON handler embeds it as is, the
// text handler prints it as text.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
func (r rawJSON) MarshalText() ([]byte, error) { return r, nil }
func (r rawJSON) String() string               { return string(r) }
