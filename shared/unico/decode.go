package unico

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Decode unmarshals a Unico response body into v. When the body is not valid JSON it retries once
// after RepairTrailingCommas, because Unico's own documentation examples carry trailing commas
// before '}' and ']'. The error never quotes the body.
func Decode(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		return err
	}
	repaired := RepairTrailingCommas(data)
	if bytes.Equal(repaired, data) {
		return &DecodeError{Reason: "invalid JSON at offset " + strconv.FormatInt(syn.Offset, 10)}
	}
	if err2 := json.Unmarshal(repaired, v); err2 != nil {
		if errors.As(err2, &syn) {
			return &DecodeError{Reason: "invalid JSON at offset " + strconv.FormatInt(syn.Offset, 10)}
		}
		return err2
	}
	return nil
}

// RepairTrailingCommas returns data without the commas that directly precede (ignoring
// whitespace) a closing '}' or ']' outside JSON strings. Everything else is copied unchanged.
func RepairTrailingCommas(data []byte) []byte {
	out := make([]byte, 0, len(data))
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ',':
			j := i + 1
			for j < len(data) && isJSONSpace(data[j]) {
				j++
			}
			if j < len(data) && (data[j] == '}' || data[j] == ']') {
				continue // drop the trailing comma, keep the whitespace after it
			}
		}
		out = append(out, c)
	}
	return out
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// DecodeError is a tolerant-decoding failure. It names the JSON path and the expected shape,
// never the offending value (which may be personal data).
type DecodeError struct {
	Path   string
	Reason string
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return "unico: decode: " + e.Reason
	}
	return "unico: decode " + e.Path + ": " + e.Reason
}

func withPath(err error, name string) error {
	var de *DecodeError
	if errors.As(err, &de) {
		p := name
		if de.Path != "" {
			p = name + "." + de.Path
		}
		return &DecodeError{Path: p, Reason: de.Reason}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &DecodeError{Path: name, Reason: "unexpected JSON " + te.Value}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &DecodeError{Path: name, Reason: "invalid JSON"}
	}
	return &DecodeError{Path: name, Reason: "invalid value"}
}

// normKey folds a JSON key so that snake_case, camelCase and case variants meet:
// "doc_id", "docId" and "DocID" all become "docid".
func normKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '-' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + ('a' - 'A'))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type looseField struct {
	index int
	name  string
}

type looseInfo struct {
	fields []looseField
	exact  map[string]int // json name → position in fields
	norm   map[string]int // normalised name → position in fields
	extra  int            // struct field index of `Extra map[string]any`, or -1
}

var looseCache sync.Map // reflect.Type → *looseInfo

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	anyMapType      = reflect.TypeFor[map[string]any]()
)

func looseInfoFor(t reflect.Type) *looseInfo {
	if v, ok := looseCache.Load(t); ok {
		return v.(*looseInfo)
	}
	info := &looseInfo{exact: map[string]int{}, norm: map[string]int{}, extra: -1}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			if f.Name == "Extra" && f.Type == anyMapType {
				info.extra = i
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		pos := len(info.fields)
		info.fields = append(info.fields, looseField{index: i, name: name})
		info.exact[name] = pos
		if _, dup := info.norm[normKey(name)]; !dup {
			info.norm[normKey(name)] = pos
		}
	}
	v, _ := looseCache.LoadOrStore(t, info)
	return v.(*looseInfo)
}

// decodeLoose decodes a JSON object into the struct ptr points to, accepting snake_case and
// camelCase keys, numbers for strings, numeric strings for numbers, "true"/"false" for bools and
// single values for lists. Unmatched keys go to an `Extra map[string]any` field when the struct
// has one (numbers kept as json.Number). It is the body of the UnmarshalJSON methods of this
// package's wire types.
func decodeLoose(data []byte, ptr any) error {
	rv := reflect.ValueOf(ptr).Elem()
	return decodeStruct(data, rv)
}

func decodeStruct(data []byte, rv reflect.Value) error {
	data = bytes.TrimSpace(data)
	if isNull(data) {
		return nil
	}
	if len(data) == 0 || data[0] != '{' {
		return &DecodeError{Reason: "expected an object"}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return withPath(err, "")
	}
	info := looseInfoFor(rv.Type())
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	done := make([]bool, len(info.fields))
	used := make(map[string]bool, len(keys))
	// Exact names first, then snake/camel/case variants for the fields still unset.
	for _, k := range keys {
		if pos, ok := info.exact[k]; ok {
			f := info.fields[pos]
			if err := decodeValue(m[k], rv.Field(f.index)); err != nil {
				return withPath(err, f.name)
			}
			done[pos], used[k] = true, true
		}
	}
	for _, k := range keys {
		if used[k] {
			continue
		}
		if pos, ok := info.norm[normKey(k)]; ok {
			used[k] = true
			if done[pos] {
				continue
			}
			f := info.fields[pos]
			if err := decodeValue(m[k], rv.Field(f.index)); err != nil {
				return withPath(err, f.name)
			}
			done[pos] = true
		}
	}
	if info.extra >= 0 {
		extra := rv.Field(info.extra)
		for _, k := range keys {
			if used[k] {
				continue
			}
			val, err := decodeAny(m[k])
			if err != nil {
				return withPath(err, k)
			}
			if extra.IsNil() {
				extra.Set(reflect.MakeMap(anyMapType))
			}
			extra.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(&val).Elem())
		}
	}
	return nil
}

func decodeAny(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func isNull(b []byte) bool { return string(b) == "null" }

func decodeValue(raw []byte, v reflect.Value) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeValue(raw, v.Elem())
	case reflect.String:
		s, err := flexText(raw)
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok, err := flexInt(raw)
		if err != nil {
			return err
		}
		if ok {
			if v.OverflowInt(n) {
				return &DecodeError{Reason: "integer out of range"}
			}
			v.SetInt(n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok, err := flexInt(raw)
		if err != nil {
			return err
		}
		if ok {
			if n < 0 || v.OverflowUint(uint64(n)) {
				return &DecodeError{Reason: "integer out of range"}
			}
			v.SetUint(uint64(n))
		}
	case reflect.Float32, reflect.Float64:
		f, ok, err := flexFloat(raw)
		if err != nil {
			return err
		}
		if ok {
			v.SetFloat(f)
		}
	case reflect.Bool:
		b, ok, err := flexBool(raw)
		if err != nil {
			return err
		}
		if ok {
			v.SetBool(b)
		}
	case reflect.Struct:
		return decodeStruct(raw, v)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return json.Unmarshal(raw, v.Addr().Interface())
		}
		var elems []json.RawMessage
		if raw[0] == '[' {
			if err := json.Unmarshal(raw, &elems); err != nil {
				return err
			}
		} else {
			elems = []json.RawMessage{raw} // a single value where a list was expected
		}
		s := reflect.MakeSlice(v.Type(), len(elems), len(elems))
		for i, e := range elems {
			if err := decodeValue(e, s.Index(i)); err != nil {
				return withPath(err, strconv.Itoa(i))
			}
		}
		v.Set(s)
	case reflect.Map, reflect.Interface:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		return dec.Decode(v.Addr().Interface())
	default:
		return json.Unmarshal(raw, v.Addr().Interface())
	}
	return nil
}

// flexText reads a JSON string, or keeps the literal text of a number or bool (so an 11-digit
// CPF sent as a number keeps every digit). Objects and arrays are kept as compact JSON text.
func flexText(raw []byte) (string, error) {
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", &DecodeError{Reason: "invalid string"}
		}
		return s, nil
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", &DecodeError{Reason: "invalid JSON"}
		}
		return buf.String(), nil
	default:
		if raw[0] == 't' || raw[0] == 'f' || isNumberLiteral(raw) {
			return string(raw), nil
		}
		return "", &DecodeError{Reason: "expected a string"}
	}
}

func isNumberLiteral(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	return json.Valid(raw) && (raw[0] == '-' || ('0' <= raw[0] && raw[0] <= '9'))
}

// unquoteNumeric returns the text of a number, or of a string holding one. ok is false for an
// empty string (treated as absent).
func unquoteNumeric(raw []byte) (string, bool, error) {
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, &DecodeError{Reason: "invalid string"}
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return "", false, nil
		}
		return s, true, nil
	}
	if !isNumberLiteral(raw) {
		return "", false, &DecodeError{Reason: "expected a number"}
	}
	return string(raw), true, nil
}

func flexInt(raw []byte) (int64, bool, error) {
	s, ok, err := unquoteNumeric(raw)
	if err != nil || !ok {
		return 0, ok, err
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false, &DecodeError{Reason: "expected an integer"}
	}
	return int64(f), true, nil
}

func flexFloat(raw []byte) (float64, bool, error) {
	s, ok, err := unquoteNumeric(raw)
	if err != nil || !ok {
		return 0, ok, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, &DecodeError{Reason: "expected a number"}
	}
	return f, true, nil
}

func flexBool(raw []byte) (bool, bool, error) {
	switch string(raw) {
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return false, false, &DecodeError{Reason: "invalid string"}
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, true, nil
		case "false", "0":
			return false, true, nil
		case "":
			return false, false, nil
		}
	}
	return false, false, &DecodeError{Reason: "expected a boolean"}
}

// marshalWithExtra marshals plain (a field-only copy of a wire struct) and merges extra's keys
// into the object, so that unknown OCR keys survive a round trip.
func marshalWithExtra(plain any, extra map[string]any) ([]byte, error) {
	b, err := json.Marshal(plain)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range extra {
		if _, exists := m[k]; exists {
			continue
		}
		eb, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = eb
	}
	return json.Marshal(m)
}
