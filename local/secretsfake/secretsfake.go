// Package secretsfake is an in-memory AWS Secrets Manager endpoint for the
// local stack and tests. It speaks the service's JSON 1.1 protocol
// (POST /, X-Amz-Target: secretsmanager.<Op>) well enough for the real SDK v2
// client pointed at it with BaseEndpoint or AWS_ENDPOINT_URL_SECRETS_MANAGER.
//
// It implements only what the gateway calls: GetSecretValue (of the
// AWSCURRENT version) and PutSecretValue (a string value that becomes
// AWSCURRENT, idempotent by ClientRequestToken, which the token refresher
// uses to let only one of two racing writers win). Secrets are created with
// Put, in Go. Any other operation, and the parameters the gateway never sends
// (VersionId, VersionStage, VersionStages, SecretBinary), get HTTP 400 and
// {"__type":"UnsupportedOperation","message":"..."}, which the SDK surfaces as
// an API error with that code. Other errors use AWS's types
// (ResourceNotFoundException for an unknown secret, ResourceExistsException,
// InvalidParameterException, ValidationException, SerializationException).
// SigV4 signatures are accepted but not checked.
package secretsfake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

const (
	stageCurrent = "AWSCURRENT"
	targetPrefix = "secretsmanager."
	contentType  = "application/x-amz-json-1.1"
	maxBody      = 2 << 20
	maxVersions  = 100 // versions kept per secret, for ClientRequestToken idempotency

	errUnsupported = "UnsupportedOperation"
	supported      = "the local Secrets Manager stand-in implements only GetSecretValue and PutSecretValue"
)

// Server is a thread-safe in-memory Secrets Manager. The zero value is not
// usable; call New.
type Server struct {
	mu      sync.Mutex
	secrets map[string]*secret // by name
	counts  map[string]int
}

type secret struct {
	arn, name string
	versions  []version // oldest first; the last one is AWSCURRENT
}

type version struct{ id, value string }

func (sec *secret) current() version { return sec.versions[len(sec.versions)-1] }

func (sec *secret) add(v version) {
	sec.versions = append(sec.versions, v)
	if n := len(sec.versions); n > maxVersions {
		sec.versions = sec.versions[n-maxVersions:]
	}
}

// New returns an empty server.
func New() *Server {
	return &Server{secrets: map[string]*secret{}, counts: map[string]int{}}
}

// Handler returns the server as an http.Handler (it serves every path).
func (s *Server) Handler() http.Handler { return s }

// Put seeds a secret: it creates name with secretString, or, if name exists,
// adds a new AWSCURRENT version. It returns the secret's ARN. Put is not
// counted.
func (s *Server) Put(name, secretString string) (arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil {
		sec = &secret{name: name, arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + name + "-" + newUUID()[:6]}
		s.secrets[name] = sec
	}
	sec.add(version{id: newUUID(), value: secretString})
	return sec.arn
}

// Current returns the AWSCURRENT value and version id of the secret named or
// ARN'd by id, for assertions in tests.
func (s *Server) Current(id string) (value, versionID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(id)
	if sec == nil {
		return "", "", false
	}
	v := sec.current()
	return v.value, v.id, true
}

// Counts returns how many requests each operation received (including
// unsupported operations and requests answered with an error).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// apiError is an AWS-shaped error response (always HTTP 400: none is retried).
type apiError struct{ typ, msg string }

func errf(typ, format string, args ...any) *apiError {
	return &apiError{typ: typ, msg: fmt.Sprintf(format, args...)}
}

func unsupported(what string) *apiError {
	return errf(errUnsupported, "%s is not supported: %s", what, supported)
}

// ServeHTTP implements the JSON 1.1 protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	if r.Method != http.MethodPost || !ok || op == "" {
		writeError(w, unsupported(fmt.Sprintf("%s %s with X-Amz-Target %q", r.Method, r.URL.Path, target)))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, errf("SerializationException", "cannot read the request body (at most %d bytes)", maxBody))
		return
	}

	s.mu.Lock()
	s.counts[op]++
	var out any
	var e *apiError
	switch op {
	case "GetSecretValue":
		out, e = s.getSecretValue(body)
	case "PutSecretValue":
		out, e = s.putSecretValue(body)
	default:
		e = unsupported("operation " + op)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	b, _ := json.Marshal(out)
	write(w, http.StatusOK, b)
}

func write(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	w.Header().Set("X-Amzn-Errortype", e.typ)
	write(w, http.StatusBadRequest, b)
}

func decode(body []byte, v any) *apiError {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errf("SerializationException", "cannot parse request: %v", err)
	}
	return nil
}

// lookup finds a secret by name or full ARN. s.mu is held.
func (s *Server) lookup(id string) *secret {
	if sec := s.secrets[id]; sec != nil { // names cannot contain ':'
		return sec
	}
	for _, sec := range s.secrets {
		if sec.arn == id {
			return sec
		}
	}
	return nil
}

func (s *Server) find(id *string) (*secret, *apiError) {
	if id == nil || *id == "" {
		return nil, errf("InvalidParameterException", "SecretId is required.")
	}
	sec := s.lookup(*id)
	if sec == nil {
		return nil, errf("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	return sec, nil
}

// --- operations (s.mu held) ---

type versionOut struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	SecretString  *string  `json:"SecretString,omitempty"`
	VersionStages []string `json:"VersionStages"`
}

func (s *Server) getSecretValue(body []byte) (any, *apiError) {
	var in struct{ SecretId, VersionId, VersionStage *string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.VersionId != nil || in.VersionStage != nil {
		return nil, unsupported("GetSecretValue with VersionId or VersionStage (it reads AWSCURRENT)")
	}
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	v := sec.current()
	return versionOut{ARN: sec.arn, Name: sec.name, VersionId: v.id, SecretString: &v.value, VersionStages: []string{stageCurrent}}, nil
}

func (s *Server) putSecretValue(body []byte) (any, *apiError) {
	var in struct {
		SecretId, ClientRequestToken, SecretString *string
		SecretBinary                               []byte
		VersionStages                              []string
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.SecretBinary != nil || in.VersionStages != nil {
		return nil, unsupported("PutSecretValue with SecretBinary or VersionStages (it writes a string as AWSCURRENT)")
	}
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	if in.SecretString == nil {
		return nil, errf("InvalidParameterException", "You must provide either SecretString or SecretBinary.")
	}
	id := newUUID()
	if tok := in.ClientRequestToken; tok != nil {
		if n := len(*tok); n < 32 || n > 64 {
			return nil, errf("ValidationException", "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64")
		}
		id = *tok
	}
	// A retry with the same token and value succeeds without a new version;
	// the same token with another value is refused, as by the service.
	for _, v := range sec.versions {
		if v.id != id {
			continue
		}
		if v.value != *in.SecretString {
			return nil, errf("ResourceExistsException", "You can't modify an existing version, you can only create a new version.")
		}
		return versionOut{ARN: sec.arn, Name: sec.name, VersionId: v.id, VersionStages: stagesOf(sec, v)}, nil
	}
	sec.add(version{id: id, value: *in.SecretString})
	return versionOut{ARN: sec.arn, Name: sec.name, VersionId: id, VersionStages: []string{stageCurrent}}, nil
}

// stagesOf is AWSCURRENT for the current version and no label for older ones
// (AWSPREVIOUS is not kept: nothing reads it).
func stagesOf(sec *secret, v version) []string {
	if sec.current().id == v.id {
		return []string{stageCurrent}
	}
	return []string{}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
