package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A small OpenAPI 3.0 checker, enough for this document: structural rules a code generator
// relies on, and a JSON Schema (OpenAPI 3.0 dialect) validator for request and response bodies.

type obj = map[string]any

// decodeJSON decodes with json.Number, so integers and numbers can be told apart.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

type spec struct {
	doc obj
}

func parseSpec(raw []byte) (*spec, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	d, ok := v.(obj)
	if !ok {
		return nil, fmt.Errorf("the document is not a JSON object")
	}
	return &spec{doc: d}, nil
}

// resolve follows a local reference (#/a/b).
func (s *spec) resolve(ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = s.doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := cur.(obj)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref returns v with $ref followed (several times if needed).
func (s *spec) deref(v any) any {
	for range 10 {
		m, ok := v.(obj)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		if v, ok = s.resolve(ref); !ok {
			return nil
		}
	}
	return v
}

var (
	httpMethods   = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	operationKeys = set("operationId", "summary", "description", "parameters", "requestBody", "responses", "security",
		"tags", "deprecated", "servers", "callbacks", "externalDocs")
	schemaKeys = set("type", "format", "title", "description", "default", "enum", "multipleOf", "maximum", "exclusiveMaximum",
		"minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
		"maxProperties", "minProperties", "required", "properties", "additionalProperties", "items", "allOf", "oneOf",
		"anyOf", "not", "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated")
	schemaTypes = set("string", "number", "integer", "boolean", "array", "object")
	formats     = map[string]map[string]bool{
		"string":  set("date-time", "date", "uuid", "email", "byte", "binary", "uri", "password", "hostname", "ipv4", "ipv6"),
		"integer": set("int32", "int64"),
		"number":  set("float", "double"),
	}
	operationIDRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	pathParamRe   = regexp.MustCompile(`\{([^}/]+)\}`)
	responseKeyRe = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)
	componentRe   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

func set(vals ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vals {
		m[v] = true
	}
	return m
}

func sortedKeys(m obj) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checker collects structural problems, each with its location in the document.
type checker struct {
	s        *spec
	problems []string
}

func (c *checker) errorf(at, format string, args ...any) {
	c.problems = append(c.problems, at+": "+fmt.Sprintf(format, args...))
}

// check returns every structural problem of the document.
func (s *spec) check() []string {
	c := &checker{s: s}
	d := s.doc
	if v, _ := d["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		c.errorf("openapi", "want an OpenAPI 3.0.x document, got %q", v)
	}
	info, _ := d["info"].(obj)
	for _, k := range []string{"title", "version"} {
		if v, _ := info[k].(string); v == "" {
			c.errorf("info", "%s is required", k)
		}
	}
	c.refs("#", d)
	c.servers(d["servers"])
	schemes, _ := s.doc["components"].(obj)["securitySchemes"].(obj)
	c.securitySchemes(schemes)
	c.security("security", d["security"], schemes)
	comps, _ := d["components"].(obj)
	for _, kind := range []string{"schemas", "responses", "parameters", "requestBodies", "headers", "securitySchemes"} {
		for name := range obj2(comps[kind]) {
			if !componentRe.MatchString(name) {
				c.errorf("components/"+kind, "name %q has characters OpenAPI does not allow", name)
			}
		}
	}
	for _, name := range sortedKeys(obj2(comps["schemas"])) {
		c.schema("#/components/schemas/"+name, obj2(comps["schemas"])[name])
	}
	paths, ok := d["paths"].(obj)
	if !ok || len(paths) == 0 {
		c.errorf("paths", "no paths")
	}
	opIDs := map[string]string{}
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(obj)
		at := "paths." + p
		if !strings.HasPrefix(p, "/") {
			c.errorf(at, "a path must start with /")
		}
		ops := 0
		for _, k := range sortedKeys(item) {
			if k == "parameters" || k == "summary" || k == "description" || k == "servers" {
				continue
			}
			if !contains(httpMethods, k) {
				c.errorf(at, "unknown key %q", k)
				continue
			}
			ops++
			c.operation(at+"."+k, p, item, obj2(item[k]), schemes, opIDs)
		}
		if ops == 0 {
			c.errorf(at, "no operations")
		}
	}
	return c.problems
}

func obj2(v any) obj {
	m, _ := v.(obj)
	return m
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// refs checks that every $ref in the document resolves, and what it resolves to.
func (c *checker) refs(at string, v any) {
	switch v := v.(type) {
	case obj:
		if ref, ok := v["$ref"]; ok {
			r, isString := ref.(string)
			if !isString {
				c.errorf(at, "$ref is not a string")
			} else if _, ok := c.s.resolve(r); !ok {
				c.errorf(at, "$ref %q does not resolve", r)
			}
			for k := range v {
				if k != "$ref" && k != "description" && k != "summary" {
					c.errorf(at, "%q beside $ref is ignored by OpenAPI 3.0 tools; put it in the referenced object", k)
				}
			}
		}
		for _, k := range sortedKeys(v) {
			c.refs(at+"/"+k, v[k])
		}
	case []any:
		for i, x := range v {
			c.refs(at+"/"+strconv.Itoa(i), x)
		}
	}
}

func (c *checker) servers(v any) {
	list, _ := v.([]any)
	if len(list) == 0 {
		c.errorf("servers", "no servers")
	}
	for i, x := range list {
		srv := obj2(x)
		u, _ := srv["url"].(string)
		at := "servers." + strconv.Itoa(i)
		if u == "" {
			c.errorf(at, "url is required")
		}
		vars := obj2(srv["variables"])
		for _, m := range pathParamRe.FindAllStringSubmatch(u, -1) {
			if def, _ := obj2(vars[m[1]])["default"].(string); def == "" {
				c.errorf(at, "variable %s has no default", m[1])
			}
		}
	}
}

func (c *checker) securitySchemes(schemes obj) {
	if len(schemes) == 0 {
		c.errorf("components.securitySchemes", "none")
	}
	for _, name := range sortedKeys(schemes) {
		sc := obj2(c.s.deref(schemes[name]))
		at := "components.securitySchemes." + name
		switch sc["type"] {
		case "apiKey":
			if n, _ := sc["name"].(string); n == "" {
				c.errorf(at, "an apiKey scheme needs name")
			}
			if in, _ := sc["in"].(string); !set("query", "header", "cookie")[in] {
				c.errorf(at, "in %q: want query, header or cookie", in)
			}
		case "http":
			if sch, _ := sc["scheme"].(string); sch == "" {
				c.errorf(at, "an http scheme needs scheme")
			}
		case "oauth2":
			if _, ok := sc["flows"].(obj); !ok {
				c.errorf(at, "an oauth2 scheme needs flows")
			}
		case "openIdConnect":
			if u, _ := sc["openIdConnectUrl"].(string); u == "" {
				c.errorf(at, "an openIdConnect scheme needs openIdConnectUrl")
			}
		default:
			c.errorf(at, "unknown type %v", sc["type"])
		}
	}
}

func (c *checker) security(at string, v any, schemes obj) {
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		c.errorf(at, "security must be a list of requirements")
		return
	}
	for _, req := range list {
		for name, scopes := range obj2(req) {
			if _, ok := schemes[name]; !ok {
				c.errorf(at, "security scheme %q is not in components.securitySchemes", name)
			}
			if _, ok := scopes.([]any); !ok {
				c.errorf(at, "the scopes of %q must be a list", name)
			}
		}
	}
}

func (c *checker) operation(at, path string, item, op obj, schemes obj, opIDs map[string]string) {
	for k := range op {
		if !operationKeys[k] && !strings.HasPrefix(k, "x-") {
			c.errorf(at, "unknown key %q", k)
		}
	}
	id, _ := op["operationId"].(string)
	switch {
	case id == "":
		c.errorf(at, "no operationId (generated clients name their methods after it)")
	case !operationIDRe.MatchString(id):
		c.errorf(at, "operationId %q is not an identifier", id)
	case opIDs[id] != "":
		c.errorf(at, "operationId %q is also used by %s", id, opIDs[id])
	default:
		opIDs[id] = at
	}
	c.security(at+".security", op["security"], schemes)

	// Parameters: the path item's and the operation's, the operation's winning.
	params := map[string]obj{}
	for _, src := range []any{item["parameters"], op["parameters"]} {
		list, _ := src.([]any)
		for i, raw := range list {
			p := obj2(c.s.deref(raw))
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			pat := fmt.Sprintf("%s.parameters.%d", at, i)
			if name == "" || !set("query", "header", "path", "cookie")[in] {
				c.errorf(pat, "a parameter needs name and in (query, header, path or cookie)")
				continue
			}
			if in == "path" && p["required"] != true {
				c.errorf(pat, "path parameter %s must be required: true", name)
			}
			schema, hasSchema := p["schema"]
			_, hasContent := p["content"]
			if hasSchema == hasContent {
				c.errorf(pat, "parameter %s needs exactly one of schema and content", name)
			}
			if hasSchema {
				c.schema(pat+".schema", schema)
			}
			params[in+" "+name] = p
		}
	}
	declared := map[string]bool{}
	for k := range params {
		if name, ok := strings.CutPrefix(k, "path "); ok {
			declared[name] = true
		}
	}
	for _, m := range pathParamRe.FindAllStringSubmatch(path, -1) {
		if !declared[m[1]] {
			c.errorf(at, "path parameter {%s} is not declared", m[1])
		}
		delete(declared, m[1])
	}
	for name := range declared {
		c.errorf(at, "path parameter %s is declared but not in the path", name)
	}

	if rb, ok := op["requestBody"]; ok {
		body := obj2(c.s.deref(rb))
		content := obj2(body["content"])
		if len(content) == 0 {
			c.errorf(at+".requestBody", "no content")
		}
		c.content(at+".requestBody", content)
	}

	responses := obj2(op["responses"])
	if len(responses) == 0 {
		c.errorf(at, "no responses")
	}
	success := false
	for _, code := range sortedKeys(responses) {
		rat := at + ".responses." + code
		if !responseKeyRe.MatchString(code) {
			c.errorf(rat, "not a status code, NXX or default")
		}
		if strings.HasPrefix(code, "2") {
			success = true
		}
		r := obj2(c.s.deref(responses[code]))
		if d, _ := r["description"].(string); d == "" {
			c.errorf(rat, "description is required")
		}
		c.content(rat, obj2(r["content"]))
		for name, h := range obj2(r["headers"]) {
			hd := obj2(c.s.deref(h))
			if _, ok := hd["schema"]; !ok {
				c.errorf(rat+".headers."+name, "a header needs a schema")
			} else {
				c.schema(rat+".headers."+name+".schema", hd["schema"])
			}
		}
	}
	if !success {
		c.errorf(at, "no 2xx response")
	}
}

func (c *checker) content(at string, content obj) {
	for _, mt := range sortedKeys(content) {
		if _, _, err := mime.ParseMediaType(mt); err != nil && mt != "*/*" {
			c.errorf(at, "media type %q: %v", mt, err)
		}
		m := obj2(content[mt])
		schema, ok := m["schema"]
		if !ok {
			c.errorf(at+"."+mt, "no schema")
			continue
		}
		c.schema(at+"."+mt+".schema", schema)
		if ex, ok := m["example"]; ok {
			for _, p := range c.s.validate(schema, ex, "example", true) {
				c.errorf(at+"."+mt, "example: %s", p)
			}
		}
	}
}

// schema checks one schema object (not following $ref: every component schema is checked on
// its own).
func (c *checker) schema(at string, v any) {
	sc, ok := v.(obj)
	if !ok {
		c.errorf(at, "a schema must be an object")
		return
	}
	if _, ok := sc["$ref"]; ok {
		return // refs() checks it resolves
	}
	for k := range sc {
		if !schemaKeys[k] && !strings.HasPrefix(k, "x-") {
			c.errorf(at, "unknown schema keyword %q (OpenAPI 3.0)", k)
		}
	}
	typ, _ := sc["type"].(string)
	if t, ok := sc["type"]; ok && !schemaTypes[typ] {
		c.errorf(at, "unknown type %v", t)
	}
	if f, ok := sc["format"].(string); ok && !formats[typ][f] {
		c.errorf(at, "format %q is not a known format of type %q", f, typ)
	}
	if p, ok := sc["pattern"].(string); ok {
		if _, err := regexp.Compile(p); err != nil {
			c.errorf(at, "pattern %q: %v", p, err)
		}
	}
	if typ == "array" {
		if _, ok := sc["items"]; !ok {
			c.errorf(at, "an array needs items")
		}
	}
	if it, ok := sc["items"]; ok {
		if typ != "array" {
			c.errorf(at, "items without type array")
		}
		c.schema(at+".items", it)
	}
	props := obj2(sc["properties"])
	if _, ok := sc["properties"]; ok && typ != "object" {
		c.errorf(at, "properties without type object")
	}
	for _, name := range sortedKeys(props) {
		c.schema(at+".properties."+name, props[name])
	}
	if req, ok := sc["required"]; ok {
		list, isList := req.([]any)
		if !isList || len(list) == 0 {
			c.errorf(at, "required must be a non-empty list")
		}
		seen := map[string]bool{}
		for _, r := range list {
			name, _ := r.(string)
			if _, ok := props[name]; !ok {
				c.errorf(at, "required property %q is not in properties", name)
			}
			if seen[name] {
				c.errorf(at, "required lists %q twice", name)
			}
			seen[name] = true
		}
	}
	switch ap := sc["additionalProperties"].(type) {
	case nil, bool:
	case obj:
		c.schema(at+".additionalProperties", ap)
	default:
		c.errorf(at, "additionalProperties must be a boolean or a schema")
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		if x, ok := sc[k]; ok {
			list, _ := x.([]any)
			if len(list) == 0 {
				c.errorf(at, "%s must be a non-empty list", k)
			}
			for i, sub := range list {
				c.schema(fmt.Sprintf("%s.%s.%d", at, k, i), sub)
			}
		}
	}
	if x, ok := sc["not"]; ok {
		c.schema(at+".not", x)
	}
	if d, ok := sc["discriminator"]; ok {
		prop, _ := obj2(d)["propertyName"].(string)
		list, _ := sc["oneOf"].([]any)
		if prop == "" || len(list) == 0 {
			c.errorf(at, "discriminator needs propertyName and oneOf")
		}
		for i, sub := range list {
			member := obj2(c.s.deref(sub))
			req, _ := member["required"].([]any)
			found := false
			for _, r := range req {
				found = found || r == prop
			}
			if !found {
				c.errorf(at, "oneOf %d does not require the discriminator %q", i, prop)
			}
		}
		for val, ref := range obj2(obj2(d)["mapping"]) {
			if r, _ := ref.(string); r == "" {
				c.errorf(at, "discriminator mapping %q is not a reference", val)
			} else if _, ok := c.s.resolve(r); !ok {
				c.errorf(at, "discriminator mapping %q: %s does not resolve", val, r)
			}
		}
	}
	for _, k := range []string{"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"} {
		if x, ok := sc[k]; ok {
			if n, ok := num(x); !ok || n < 0 || n != math.Trunc(n) {
				c.errorf(at, "%s must be a whole number >= 0", k)
			}
		}
	}
	if lo, ok := num(sc["minimum"]); ok {
		if hi, ok := num(sc["maximum"]); ok && lo > hi {
			c.errorf(at, "minimum > maximum")
		}
	}
	if e, ok := sc["enum"]; ok {
		list, _ := e.([]any)
		if len(list) == 0 {
			c.errorf(at, "enum must be a non-empty list")
		}
		for _, val := range list {
			for _, p := range c.s.validate(withoutEnum(sc), val, "enum", true) {
				c.errorf(at, "enum value %v: %s", val, p)
			}
		}
	}
	for _, k := range []string{"default", "example"} {
		if val, ok := sc[k]; ok {
			for _, p := range c.s.validate(sc, val, k, true) {
				c.errorf(at, "%s %v: %s", k, val, p)
			}
		}
	}
}

func withoutEnum(sc obj) obj {
	out := obj{}
	for k, v := range sc {
		if k != "enum" && k != "default" && k != "example" {
			out[k] = v
		}
	}
	return out
}

func num(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// validate checks value v (decoded with json.Number) against schema. closed treats objects
// whose schema says nothing about additionalProperties as closed: a property the document does
// not describe is a problem (what a client generated from the document would drop).
func (s *spec) validate(schema, v any, at string, closed bool) []string {
	sc, ok := s.deref(schema).(obj)
	if !ok {
		return []string{at + ": the schema does not resolve"}
	}
	var out []string
	bad := func(format string, args ...any) { out = append(out, at+": "+fmt.Sprintf(format, args...)) }
	if v == nil {
		if sc["nullable"] != true {
			bad("null is not allowed")
		}
		return out
	}
	for _, sub := range listOf(sc["allOf"]) {
		out = append(out, s.validate(sub, v, at, false)...)
	}
	if alts := listOf(sc["anyOf"]); len(alts) > 0 {
		ok := false
		for _, sub := range alts {
			ok = ok || len(s.validate(sub, v, at, closed)) == 0
		}
		if !ok {
			bad("matches none of anyOf")
		}
	}
	if alts := listOf(sc["oneOf"]); len(alts) > 0 {
		var matched int
		var why []string
		for i, sub := range alts {
			p := s.validate(sub, v, at, closed)
			if len(p) == 0 {
				matched++
			} else {
				why = append(why, fmt.Sprintf("oneOf %d: %s", i, strings.Join(p, "; ")))
			}
		}
		if matched != 1 {
			bad("matches %d of oneOf (want exactly 1): %s", matched, strings.Join(why, " | "))
		}
	}
	if e, ok := sc["enum"]; ok {
		found := false
		for _, x := range listOf(e) {
			found = found || fmt.Sprint(x) == fmt.Sprint(v)
		}
		if !found {
			bad("%v is not one of %v", v, e)
		}
	}
	typ, _ := sc["type"].(string)
	if typ == "" && sc["properties"] != nil {
		typ = "object"
	}
	switch typ {
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
			break
		}
		n := float64(utf8.RuneCountInString(str))
		if m, ok := num(sc["minLength"]); ok && n < m {
			bad("shorter than %v", m)
		}
		if m, ok := num(sc["maxLength"]); ok && n > m {
			bad("longer than %v", m)
		}
		if p, ok := sc["pattern"].(string); ok {
			if re, err := regexp.Compile(p); err == nil && !re.MatchString(str) {
				bad("%q does not match %s", str, p)
			}
		}
		switch sc["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				bad("%q is not an RFC 3339 date-time", str)
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				bad("%q is not a date", str)
			}
		case "uuid":
			if !uuidRe.MatchString(str) {
				bad("%q is not a UUID", str)
			}
		case "email":
			if !strings.Contains(str, "@") {
				bad("%q is not an e-mail address", str)
			}
		case "byte":
			if _, err := base64.StdEncoding.DecodeString(str); err != nil {
				bad("not base64")
			}
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			if f, isFloat := v.(float64); isFloat {
				n, ok = json.Number(strconv.FormatFloat(f, 'f', -1, 64)), true
			}
		}
		if !ok {
			bad("want a %s, got %T", typ, v)
			break
		}
		f, err := n.Float64()
		if err != nil || (typ == "integer" && f != math.Trunc(f)) {
			bad("%v is not a %s", n, typ)
			break
		}
		if m, ok := num(sc["minimum"]); ok && f < m {
			bad("%v is below the minimum %v", f, m)
		}
		if m, ok := num(sc["maximum"]); ok && f > m {
			bad("%v is above the maximum %v", f, m)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			break
		}
		if m, ok := num(sc["minItems"]); ok && float64(len(list)) < m {
			bad("fewer than %v items", m)
		}
		if m, ok := num(sc["maxItems"]); ok && float64(len(list)) > m {
			bad("more than %v items", m)
		}
		for i, x := range list {
			out = append(out, s.validate(sc["items"], x, at+"["+strconv.Itoa(i)+"]", closed)...)
		}
	case "object":
		m, ok := v.(obj)
		if !ok {
			bad("want an object, got %T", v)
			break
		}
		props := obj2(sc["properties"])
		for _, r := range listOf(sc["required"]) {
			if _, ok := m[r.(string)]; !ok {
				bad("required property %q is missing", r)
			}
		}
		for _, k := range sortedKeys(m) {
			if p, ok := props[k]; ok {
				out = append(out, s.validate(p, m[k], at+"."+k, closed)...)
				continue
			}
			switch ap := sc["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("property %q is not allowed", k)
				}
			case obj:
				out = append(out, s.validate(ap, m[k], at+"."+k, closed)...)
			case nil:
				if closed && len(listOf(sc["allOf"])) == 0 {
					bad("property %q is not in the document", k)
				}
			}
		}
	}
	return out
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// operation returns the operation of method and route (a path template such as
// /v1/processes/{id}).
func (s *spec) operation(method, route string) (obj, bool) {
	item, ok := obj2(s.doc["paths"])[route].(obj)
	if !ok {
		return nil, false
	}
	op, ok := item[strings.ToLower(method)].(obj)
	return op, ok
}

// checkAnswer validates one answer of the operation: its status is documented, its content
// type is one the document lists for that status, and a JSON body matches the schema.
func (s *spec) checkAnswer(method, route string, status int, contentType string, body []byte) []string {
	at := fmt.Sprintf("%s %s → %d", method, route, status)
	op, ok := s.operation(method, route)
	if !ok {
		return []string{at + ": no such operation in the document"}
	}
	responses := obj2(op["responses"])
	r, ok := responses[strconv.Itoa(status)]
	if !ok {
		r, ok = responses[strconv.Itoa(status/100)+"XX"]
	}
	if !ok {
		r, ok = responses["default"]
	}
	if !ok {
		return []string{fmt.Sprintf("%s: status %d is not documented (documented: %v)", at, status, sortedKeys(responses))}
	}
	content := obj2(obj2(s.deref(r))["content"])
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return []string{at + ": the document describes no body, the answer has one"}
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	media, ok := content[mt]
	if !ok {
		media, ok = content["*/*"]
	}
	if !ok {
		return []string{fmt.Sprintf("%s: content type %q is not documented (documented: %v)", at, contentType, sortedKeys(content))}
	}
	if mt != "application/json" {
		return nil // binary artefacts: the type is all there is to check
	}
	v, err := decodeJSON(body)
	if err != nil {
		return []string{at + ": the body is not JSON: " + err.Error()}
	}
	return s.validate(obj2(media)["schema"], v, at, true)
}

// checkRequest validates a JSON request body against the operation's request body schema.
func (s *spec) checkRequest(method, route string, body []byte) []string {
	at := fmt.Sprintf("%s %s request", method, route)
	op, ok := s.operation(method, route)
	if !ok {
		return []string{at + ": no such operation in the document"}
	}
	media, ok := obj2(obj2(s.deref(op["requestBody"]))["content"])["application/json"]
	if !ok {
		return []string{at + ": the document has no JSON request body for it"}
	}
	v, err := decodeJSON(body)
	if err != nil {
		return []string{at + ": not JSON: " + err.Error()}
	}
	return s.validate(obj2(media)["schema"], v, at, true)
}
