package node_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// schema is the part of an OpenAPI schema the typedefs are checked against.
type schema struct {
	Ref        string             `json:"$ref"`
	Enum       []any              `json:"enum"` // strings here; some of the document's are numbers
	Required   []string           `json:"required"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
	AllOf      []*schema          `json:"allOf"`
}

// ref is the component a schema refers to ("Decision"), directly or as allOf's only member.
func (s *schema) ref() string {
	if len(s.AllOf) == 1 {
		return s.AllOf[0].ref()
	}
	return strings.TrimPrefix(s.Ref, "#/components/schemas/")
}

type property struct {
	name, typ string
	optional  bool
}

type typedef struct {
	name, schema, typ string
	props             []property
}

var (
	jsdocBlock   = regexp.MustCompile(`(?s)/\*\*(.*?)\*/`)
	typedefLine  = regexp.MustCompile(`@typedef\s+\{([^{}]*)\}\s+(\w+)`)
	schemaName   = regexp.MustCompile(`\(schema: (\w+)`)
	propertyLine = regexp.MustCompile(`^@property\s+\{([^{}]*)\}\s+(\[?)(\w+)\]?(\s|$)`)
	literalUnion = regexp.MustCompile(`^'[^']*'(\|'[^']*')*$`)
)

// parseTypedefs reads the JSDoc typedefs of a file: each /** */ block with an @typedef.
func parseTypedefs(t *testing.T, src string) []typedef {
	t.Helper()
	var defs []typedef
	for _, b := range jsdocBlock.FindAllStringSubmatch(src, -1) {
		m := typedefLine.FindStringSubmatch(b[1])
		if m == nil {
			if strings.Contains(b[1], "@typedef") {
				t.Errorf("a typedef this test cannot read (nested braces?): %s", b[0])
			}
			continue
		}
		d := typedef{name: m[2], schema: m[2], typ: m[1]}
		if s := schemaName.FindStringSubmatch(b[1]); s != nil {
			d.schema = s[1]
		}
		for _, line := range strings.Split(b[1], "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "*"))
			if !strings.HasPrefix(line, "@property") {
				continue
			}
			p := propertyLine.FindStringSubmatch(line)
			if p == nil {
				t.Errorf("typedef %s: a property this test cannot read: %s", d.name, line)
				continue
			}
			d.props = append(d.props, property{name: p[3], typ: p[1], optional: p[2] == "["})
		}
		defs = append(defs, d)
	}
	return defs
}

func literals(typ string) []string {
	var out []string
	for _, l := range strings.Split(typ, "|") {
		out = append(out, strings.Trim(l, "'"))
	}
	slices.Sort(out)
	return out
}

// enum is a schema's enum as sorted strings.
func enum(s *schema) []string {
	var out []string
	for _, v := range s.Enum {
		out = append(out, fmt.Sprint(v))
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// loadSchemas reads api/openapi.json's components.schemas.
func loadSchemas(t *testing.T) map[string]*schema {
	t.Helper()
	raw, err := os.ReadFile("../../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas
}

// TestTypedefsMatchTheOpenAPIDocument: the JSDoc typedefs of gateway.mjs, hand-written from
// api/openapi.json, cannot drift from it silently (see drift for the rules).
func TestTypedefsMatchTheOpenAPIDocument(t *testing.T) {
	src, err := os.ReadFile("gateway.mjs")
	if err != nil {
		t.Fatal(err)
	}
	defs := parseTypedefs(t, string(src))
	if len(defs) < 12 {
		t.Fatalf("found %d typedefs in gateway.mjs: the parser no longer reads them", len(defs))
	}
	for _, p := range drift(loadSchemas(t), defs) {
		t.Error(p)
	}
}

// drift lists where typedefs differ from the schemas. Each typedef names a schema (its own name,
// or "(schema: Name"); each property is one of the schema's, optional ([name]) only if the schema
// does not require it, and every required one is there; a string-literal union is exactly the
// schema's (or the property's) enum; a property typed with another typedef refers to that
// typedef's schema.
func drift(schemas map[string]*schema, defs []typedef) []string {
	var out []string
	errorf := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	schemaOf := map[string]string{} // typedef name → schema name
	for _, d := range defs {
		schemaOf[d.name] = d.schema
	}
	for _, d := range defs {
		s := schemas[d.schema]
		if s == nil {
			errorf("typedef %s: api/openapi.json has no schema %s", d.name, d.schema)
			continue
		}
		if literalUnion.MatchString(d.typ) {
			if got, want := literals(d.typ), enum(s); !slices.Equal(got, want) {
				errorf("typedef %s is %v; schema %s's enum is %v", d.name, got, d.schema, want)
			}
			continue
		}
		if d.typ != "Object" {
			errorf("typedef %s: type {%s}: want Object or a union of string literals", d.name, d.typ)
			continue
		}
		have := map[string]bool{}
		for _, p := range d.props {
			have[p.name] = true
			ps := s.Properties[p.name]
			if ps == nil {
				errorf("typedef %s: property %s is not in schema %s (it has %v)", d.name, p.name, d.schema, sorted(keys(s.Properties)))
				continue
			}
			if p.optional && slices.Contains(s.Required, p.name) {
				errorf("typedef %s: property %s is optional, schema %s requires it", d.name, p.name, d.schema)
			}
			if literalUnion.MatchString(p.typ) {
				if got, want := literals(p.typ), enum(ps); !slices.Equal(got, want) {
					errorf("typedef %s: property %s is %v; the schema's enum is %v", d.name, p.name, got, want)
				}
				continue
			}
			typ, items := strings.CutSuffix(p.typ, "[]")
			if target, ok := schemaOf[typ]; ok {
				ref := ps
				if items {
					if ref = ps.Items; ref == nil {
						errorf("typedef %s: property %s is an array here, not in schema %s", d.name, p.name, d.schema)
						continue
					}
				}
				if ref.ref() != target {
					errorf("typedef %s: property %s is a %s (schema %s); schema %s's refers to %q", d.name, p.name, typ, target, d.schema, ref.ref())
				}
			}
		}
		for _, r := range s.Required {
			if !have[r] {
				errorf("typedef %s lacks property %s, which schema %s requires", d.name, r, d.schema)
			}
		}
	}
	return out
}

func keys(m map[string]*schema) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDriftIsCaught: typedefs changed the ways a hand edit (or a change of the document) drifts
// are each reported.
func TestDriftIsCaught(t *testing.T) {
	src := `/**
 * @typedef {Object} Decision
 * @property {Outcome} outcom
 * @property {Reason[]} [reasons]
 */
/** @typedef {'approved'|'rejected'} Outcome */
/**
 * A comment (schema: Reason).
 * @typedef {Object} Why
 * @property {Decision} code
 * @property {string} message
 */
/** @typedef {Object} NoSuchSchema */`
	defs := parseTypedefs(t, src)
	if len(defs) != 4 || defs[0].props[1].typ != "Reason[]" || !defs[0].props[1].optional || defs[2].schema != "Reason" {
		t.Fatalf("parsed %+v", defs)
	}
	got := strings.Join(drift(loadSchemas(t), defs), "\n")
	for _, want := range []string{
		"typedef Decision: property outcom is not in schema Decision",
		"typedef Decision: property reasons is optional, schema Decision requires it",
		"typedef Decision lacks property outcome",
		"typedef Outcome is [approved rejected]; schema Outcome's enum is [approved pending rejected retry review]",
		`typedef Why: property code is a Decision (schema Decision); schema Reason's refers to ""`,
		"api/openapi.json has no schema NoSuchSchema",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("drift does not report %q; it reports:\n%s", want, got)
		}
	}
}
