// Package contract checks HTTP exchanges against the gateway's OpenAPI document with
// kin-openapi: openapi3 loads and validates the document, openapi3filter validates requests
// and answers. Only the project's own rules are written here: every object schema states
// additionalProperties, every 4xx/5xx answer is the error envelope, and the headers the
// gateway answers (Retry-After, Idempotent-Replayed) are documented where they appear.
// Tests use it (api, local/devstack); no function imports it.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/unicogw/gateway/api"
)

// ErrorSchemaRef is the error envelope every 4xx and 5xx answer uses.
const ErrorSchemaRef = "#/components/schemas/Error"

func init() {
	// Formats the document uses that openapi3 does not check by default.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
	openapi3.DefineStringFormatValidator("email", openapi3.NewCallbackValidator(func(s string) error {
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
			return errors.New("not an e-mail address")
		}
		return nil
	}))
}

// Contract is a loaded, validated document and its router.
type Contract struct {
	Doc    *openapi3.T
	router routers.Router
}

// Default loads the committed document (api/openapi.json).
func Default() (*Contract, error) { return Load(api.OpenAPI) }

// Load parses raw, validates it as OpenAPI 3.0 (openapi3) and applies the project's rules.
func Load(raw []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	if p := ProjectRules(doc); len(p) > 0 {
		return nil, fmt.Errorf("project rules:\n  %s", strings.Join(p, "\n  "))
	}
	// Route on paths only: the local stack listens on a free port, not on the documented
	// servers' hosts.
	routed := *doc
	routed.Servers = openapi3.Servers{{URL: "/"}}
	router, err := gorillamux.NewRouter(&routed)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	return &Contract{Doc: doc, router: router}, nil
}

// ProjectRules are the document rules that are the project's own, not OpenAPI's.
func ProjectRules(doc *openapi3.T) []string {
	var out []string
	seen := map[*openapi3.Schema]bool{}
	var walk func(at string, ref *openapi3.SchemaRef)
	walk = func(at string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if (s.Type.Is("object") || len(s.Properties) > 0) && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			out = append(out, at+": an object schema must state additionalProperties (false, or what extra properties may be)")
		}
		for _, name := range sortedKeys(s.Properties) {
			walk(at+".properties."+name, s.Properties[name])
		}
		walk(at+".items", s.Items)
		walk(at+".additionalProperties", s.AdditionalProperties.Schema)
		for i, sub := range s.OneOf {
			walk(at+".oneOf["+strconv.Itoa(i)+"]", sub)
		}
		for i, sub := range s.AnyOf {
			walk(at+".anyOf["+strconv.Itoa(i)+"]", sub)
		}
		for i, sub := range s.AllOf {
			walk(at+".allOf["+strconv.Itoa(i)+"]", sub)
		}
		walk(at+".not", s.Not)
	}
	if doc.Components != nil {
		for _, name := range sortedKeys(doc.Components.Schemas) {
			walk("components.schemas."+name, doc.Components.Schemas[name])
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			at := method + " " + path
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					walk(at+" request "+ct, mt.Schema)
				}
			}
			for code, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for ct, mt := range resp.Value.Content {
					walk(at+" "+code+" "+ct, mt.Schema)
				}
				if len(code) == 3 && (code[0] == '4' || code[0] == '5') {
					mt := resp.Value.Content.Get("application/json")
					if len(resp.Value.Content) != 1 || mt == nil || mt.Schema == nil || mt.Schema.Ref != ErrorSchemaRef {
						out = append(out, fmt.Sprintf("%s → %s: an error answer must be application/json with schema %s only", at, code, ErrorSchemaRef))
					}
				}
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// documentedHeaders are answer headers the gateway sets that the document must describe on
// every answer that carries them.
var documentedHeaders = []string{"Retry-After", "Idempotent-Replayed"}

// Check validates one exchange: the request (req, with its body reqBody) and the answer
// (status, header, body). It returns every problem found:
//   - the answer does not match the document (undocumented status or content type, a body
//     the schema refuses, a gateway header not documented for that answer);
//   - the gateway accepted (status < 400) a request the document refuses, or answered 2xx/3xx
//     on a route the document does not have;
//   - a refused request's answer is not the error envelope.
//
// A request the document refuses is fine when the gateway refused it too (hostile tests send
// such requests on purpose).
func (c *Contract) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) []string {
	name := req.Method + " " + req.URL.Path
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		if status < 400 {
			return []string{fmt.Sprintf("%s: answered %d, but the document has no such operation (%v)", name, status, err)}
		}
		return c.checkErrorEnvelope(name, status, header, body)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request: cloneWithBody(req, reqBody), PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: presentCredentials, SkipSettingDefaults: true},
	}
	var out []string
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && status < 400 {
		out = append(out, fmt.Sprintf("%s: the gateway answered %d to a request the document refuses: %s", name, status, oneLine(err)))
	}
	resIn := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	resIn.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, resIn); err != nil {
		out = append(out, fmt.Sprintf("%s → %d: the answer does not match the document: %s", name, status, oneLine(err)))
	}
	if resp := route.Operation.Responses.Status(status); resp != nil && resp.Value != nil {
		for _, h := range documentedHeaders {
			if header.Get(h) != "" && resp.Value.Headers[h] == nil {
				out = append(out, fmt.Sprintf("%s → %d: the answer has the header %s, which the document does not describe there", name, status, h))
			}
		}
	}
	return out
}

// checkErrorEnvelope checks an answer outside any documented operation: it must be the error
// envelope.
func (c *Contract) checkErrorEnvelope(name string, status int, header http.Header, body []byte) []string {
	if !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return []string{fmt.Sprintf("%s → %d: not a JSON error (Content-Type %q)", name, status, header.Get("Content-Type"))}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("%s → %d: not JSON: %v", name, status, err)}
	}
	if err := c.Doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
		return []string{fmt.Sprintf("%s → %d: not the error envelope: %s", name, status, oneLine(err))}
	}
	return nil
}

// presentCredentials accepts a security scheme when its credentials are present (their value
// is the gateway's business; the document only says where they go).
func presentCredentials(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s, h := in.SecurityScheme, in.RequestValidationInput.Request.Header
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if h.Get(s.Name) == "" {
			return fmt.Errorf("no %s header", s.Name)
		}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
		if !strings.HasPrefix(h.Get("Authorization"), "Basic ") {
			return errors.New("no Basic Authorization header")
		}
	default:
		return fmt.Errorf("security scheme %s is not checked here", in.SecuritySchemeName)
	}
	return nil
}

func cloneWithBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return r
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}
