package unico

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// FlexString is a string that Unico sometimes sends as a JSON number (rgNumero, cpfNumero and
// numero appear both ways in Unico's examples). A number keeps its literal digits: 73689290074
// stays "73689290074", with no float rounding. It always marshals as a JSON string.
type FlexString string

// UnmarshalJSON accepts a string, a number, a bool or null.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || isNull(b) {
		return nil
	}
	t, err := flexText(b)
	if err != nil {
		return err
	}
	*s = FlexString(t)
	return nil
}

// String returns the text as received.
func (s FlexString) String() string { return string(s) }

// Clean returns the text trimmed, with the placeholders Unico's OCR emits for a missing value
// ("<nil>", "null", "None") turned into "".
func (s FlexString) Clean() string {
	t := strings.TrimSpace(string(s))
	switch strings.ToLower(t) {
	case "<nil>", "nil", "null", "none", "undefined":
		return ""
	}
	return t
}

// Timestamp keeps the text Unico sent together with its parsed time, when the text is a valid
// time. Unico's examples contain impossible dates such as "2025-10-35T00:00:00Z": those decode
// without error, with Raw kept and Valid false.
type Timestamp struct {
	Raw   string    // the text as received ("" when absent)
	Time  time.Time // the parsed time; zero unless Valid
	Valid bool      // Raw parsed as a time
}

var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999", // no zone: read as UTC
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTimestamp parses s with the layouts Unico uses (RFC 3339 with or without fraction, a
// date only, and the same without zone, read as UTC). It never fails: an unparsable text yields
// Valid false.
func ParseTimestamp(s string) Timestamp {
	ts := Timestamp{Raw: s}
	t := strings.TrimSpace(s)
	if t == "" {
		return ts
	}
	for _, layout := range timestampLayouts {
		if p, err := time.Parse(layout, t); err == nil {
			ts.Time, ts.Valid = p, true
			return ts
		}
	}
	return ts
}

// NewTimestamp returns a valid Timestamp for t (Raw in RFC 3339 with nanoseconds, UTC).
func NewTimestamp(t time.Time) Timestamp {
	return Timestamp{Raw: t.UTC().Format(time.RFC3339Nano), Time: t, Valid: true}
}

// UnmarshalJSON accepts a string (any text), a number (kept as Raw, not interpreted) or null. It
// never returns an error for a string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || isNull(b) {
		*t = Timestamp{}
		return nil
	}
	s, err := flexText(b)
	if err != nil {
		return err
	}
	if b[0] != '"' {
		*t = Timestamp{Raw: s}
		return nil
	}
	*t = ParseTimestamp(s)
	return nil
}

// MarshalJSON writes Raw when set (so that a round trip is exact), else the time, else null.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	switch {
	case t.Raw != "":
		return json.Marshal(t.Raw)
	case t.Valid:
		return json.Marshal(t.Time.Format(time.RFC3339Nano))
	}
	return []byte("null"), nil
}

// IsZero reports an absent timestamp (no text and no time); it lets `omitzero` drop it.
func (t Timestamp) IsZero() bool { return t.Raw == "" && !t.Valid }

// String returns Raw.
func (t Timestamp) String() string { return t.Raw }

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (relative to now).
// It returns 0 when the header is absent, unreadable or in the past.
func ParseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second
	}
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, h); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	return 0
}
