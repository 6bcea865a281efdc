package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"unicode"
	"unicode/utf8"

	"github.com/unicogw/gateway/shared/domain"
)

// errDuplicateKey is the answer to a body with the same name twice in one object.
// encoding/json accepts duplicates (the last one wins) and matches names case-insensitively,
// so {"flow":"idlive","FLOW":"idsign"} would otherwise mean whatever the last spelling says,
// and a proxy or WAF that reads the first one would see another request than the gateway.
var errDuplicateKey = domain.Errorf(domain.KindInvalid, "duplicate_field", "The request body has the same field twice in one object.")

var errNotObject = domain.Errorf(domain.KindInvalid, "invalid_json", "The request body must be a JSON object.")

var errNotUTF8 = domain.Errorf(domain.KindInvalid, "invalid_encoding", "The request body must be UTF-8 encoded JSON.")

// checkDuplicateKeys walks body token by token and fails on the first object that has a name
// twice, names being compared the way encoding/json matches them to fields (ASCII and Unicode
// simple case folding), at every depth. body must already be known to be valid JSON; the walk
// keeps one set of names per open object, so its memory is bounded by the body's size.
func checkDuplicateKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object    bool
		expectKey bool
		names     map[string]struct{}
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errNotObject
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, expectKey: true})
			case '[':
				stack = append(stack, frame{})
			case '}', ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			name, _ := tok.(string)
			top := &stack[n-1]
			if top.names == nil {
				top.names = map[string]struct{}{}
			}
			folded := foldName(name)
			if _, dup := top.names[folded]; dup {
				return errDuplicateKey
			}
			top.names[folded] = struct{}{}
			top.expectKey = false
			continue
		}
		valueDone()
	}
}

// foldName is encoding/json's own folding of field names: ASCII letters upper-cased, other
// runes mapped through ToUpper(ToLower(r)), so that "K" and the Kelvin sign "K" collide too.
func foldName(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		out = utf8.AppendRune(out, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return string(out)
}

// typeError is the 400 for a value of the wrong JSON type. It names the field by its path in
// the API's own vocabulary (the struct tags: input can only reach it for known fields) and the
// JSON type expected, never the value.
func typeError(typ *json.UnmarshalTypeError) error {
	if typ.Field == "" {
		return errNotObject
	}
	field := typ.Field
	if !apiFieldPath(field) {
		field = "a field"
	} else {
		field = "Field \"" + field + "\""
	}
	return domain.Errorf(domain.KindInvalid, "invalid_field_type", "%s must be %s.", field, jsonTypeName(typ.Type))
}

// apiFieldPath accepts dotted paths of identifier-like names (person.cpf, signatureDocuments.name).
func apiFieldPath(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if start {
				return false
			}
			start = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			start = false
		case c >= '0' && c <= '9' || c == '_':
			if start {
				return false
			}
		default:
			return false
		}
	}
	return !start
}

// jsonTypeName names the JSON type a Go type decodes from.
func jsonTypeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer (in range)"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "of another type"
}

// isObjectStart reports whether the first non-space byte of body opens a JSON object.
func isObjectStart(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

var errUnknownField = domain.Errorf(domain.KindInvalid, "unknown_field",
	"The request body has a field this API does not define (see api/openapi.json).")

func isUnknownField(err error) bool {
	const unknown = "json: unknown field "
	msg := err.Error()
	return len(msg) > len(unknown) && msg[:len(unknown)] == unknown && !errors.Is(err, io.ErrUnexpectedEOF)
}
