package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/unicogw/gateway/shared/domain"
)

// unknownFieldError is the 400 for a body with a field the route does not define. It names the
// field by its JSON path (person.rg, signatureDocuments[1].nam) so that a typo is found at
// once. The path's known part is the API's own vocabulary; the unknown name itself is input,
// so it is repeated only when it looks like a field name (letters, underscores and at most two
// digits, 40 characters at most): a name that is a CPF, an e-mail or markup is never echoed,
// and the message then names the object that holds it.
func unknownFieldError(body []byte, target any) error {
	parent, name, ok := findUnknownField(body, reflect.TypeOf(target))
	if !ok {
		return errUnknownField
	}
	if safeFieldName(name) {
		return domain.Errorf(domain.KindInvalid, "unknown_field",
			"Field %q is not defined by this API (see api/openapi.json).", joinPath(parent, name))
	}
	where := "at the top level"
	if parent != "" {
		where = "in " + strconv.Quote(parent)
	}
	return domain.Errorf(domain.KindInvalid, "unknown_field",
		"The request body has a field %s that this API does not define (see api/openapi.json); its name is not repeated.", where)
}

// findUnknownField walks body (valid JSON) along t, the type it decodes into, and returns the
// first name that no field of its struct matches (matched as encoding/json does: tag names,
// case-insensitively) with the path of the object holding it.
func findUnknownField(body []byte, t reflect.Type) (parent, name string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := &unknownWalker{dec: dec}
	w.value(t, "")
	return w.parent, w.name, w.found
}

type unknownWalker struct {
	dec          *json.Decoder
	parent, name string
	found, bad   bool
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// value consumes one JSON value; t is nil when anything goes (maps' values, raw messages).
func (w *unknownWalker) value(t reflect.Type, path string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType)) {
		t = nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		w.bad = true
		return
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return
	}
	switch d {
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = structFields(t)
		}
		for w.dec.More() && !w.found && !w.bad {
			tok, err := w.dec.Token()
			key, _ := tok.(string)
			if err != nil {
				w.bad = true
				return
			}
			var ft reflect.Type
			if fields != nil {
				var known bool
				if ft, known = fields[foldName(key)]; !known {
					w.parent, w.name, w.found = path, key, true
					return
				}
			} else if t != nil && t.Kind() == reflect.Map {
				ft = t.Elem()
			}
			childPath := path
			if fields != nil {
				childPath = joinPath(path, key)
			}
			w.value(ft, childPath)
		}
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More() && !w.found && !w.bad; i++ {
			w.value(elem, path+"["+strconv.Itoa(i)+"]")
		}
	}
	if !w.found && !w.bad {
		if _, err := w.dec.Token(); err != nil { // the closing delimiter
			w.bad = true
		}
	}
}

// structFields maps the folded JSON names of t's fields (embedded structs' promoted) to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, seen := out[foldName(name)]; !seen {
				out[foldName(name)] = f.Type
			}
		}
	}
	add(t)
	return out
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// safeFieldName: a name that can be repeated in an error (it cannot hold a CPF, a phone, an
// e-mail address, a token or markup).
func safeFieldName(s string) bool {
	if len(s) == 0 || len(s) > 40 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9':
			digits++
		default:
			return false
		}
	}
	return digits <= 2
}
