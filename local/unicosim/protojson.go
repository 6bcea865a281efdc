package unicosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The by-Unico API is gRPC behind grpc-gateway, whose JSON decoder (protojson) accepts a field by its
// lowerCamel JSON name or by its proto snake_case name, is case-sensitive, and rejects unknown
// fields. The simulator decodes by-Unico bodies the same way so that a misspelt field fails loudly
// (for example a literal "person.friendlyName" key, or "Flow").

func snakeToCamel(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	parts := strings.Split(s, "_")
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		if p == "" {
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

type protoObject struct {
	path   string
	fields map[string]json.RawMessage
}

// decodeProtoObject decodes raw as an object whose fields must be in allowed (lowerCamel names).
// A JSON null or missing body is an empty object.
func decodeProtoObject(raw []byte, path string, allowed ...string) (*protoObject, error) {
	o := &protoObject{path: path, fields: map[string]json.RawMessage{}}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return o, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("proto: syntax error: %s must be a JSON object", nameOr(path, "body"))
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k, v := range m {
		c := snakeToCamel(k)
		if !ok[c] {
			return nil, fmt.Errorf("proto: unknown field %q", path+k)
		}
		o.fields[c] = v
	}
	return o, nil
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return strings.TrimSuffix(s, ".")
}

func (o *protoObject) has(name string) bool {
	v, ok := o.fields[name]
	return ok && string(bytes.TrimSpace(v)) != "null"
}

func (o *protoObject) str(name string) (string, error) {
	v, ok := o.fields[name]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("proto: invalid value for string field %s", o.path+name)
	}
	return s, nil
}

func (o *protoObject) boolean(name string) (bool, error) {
	v, ok := o.fields[name]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, fmt.Errorf("proto: invalid value for bool field %s", o.path+name)
	}
	return b, nil
}

func (o *protoObject) object(name string, allowed ...string) (*protoObject, error) {
	return decodeProtoObject(o.fields[name], o.path+name+".", allowed...)
}

func (o *protoObject) array(name string) ([]json.RawMessage, error) {
	v, ok := o.fields[name]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil, nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("proto: invalid value for repeated field %s", o.path+name)
	}
	return a, nil
}

// strs reads several string fields, stopping at the first error.
func (o *protoObject) strs(dst map[string]*string) error {
	for _, k := range sortedKeys(dst) {
		v, err := o.str(k)
		if err != nil {
			return err
		}
		*dst[k] = v
	}
	return nil
}
