// Package secretsfake is an in-memory AWS Secrets Manager endpoint for the
// local stack and tests. It speaks the service's JSON 1.1 protocol
// (POST /, X-Amz-Target: secretsmanager.<Op>) well enough for the real SDK v2
// client pointed at it with BaseEndpoint or AWS_ENDPOINT_URL_SECRETS_MANAGER.
//
// Operations: CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret,
// UpdateSecret, ListSecrets, DeleteSecret, RestoreSecret,
// UpdateSecretVersionStage and ListSecretVersionIds. SigV4 signatures are
// accepted but not checked. Errors use AWS's shape: status 400 and
// {"__type":"ResourceNotFoundException","message":"..."}.
package secretsfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// Region and AccountID appear in the ARNs the fake makes.
	Region    = "us-east-1"
	AccountID = "000000000000"

	// StageCurrent, StagePrevious and StagePending are the staging labels
	// Secrets Manager manages.
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"

	targetPrefix   = "secretsmanager."
	contentType    = "application/x-amz-json-1.1"
	maxBody        = 2 << 20
	maxSecretBytes = 65536
	maxVersions    = 100
)

// AWS error types used by the fake.
const (
	ErrResourceNotFound   = "ResourceNotFoundException"
	ErrResourceExists     = "ResourceExistsException"
	ErrInvalidParameter   = "InvalidParameterException"
	ErrInvalidRequest     = "InvalidRequestException"
	ErrUnknownOperation   = "UnknownOperationException"
	ErrValidation         = "ValidationException"
	ErrSerialization      = "SerializationException"
	ErrInternalServiceErr = "InternalServiceError"
)

// Server is a thread-safe in-memory Secrets Manager. The zero value is not
// usable; call New.
type Server struct {
	mu      sync.Mutex
	secrets map[string]*secret // by name
	seq     int64
	counts  map[string]int
	faults  map[string]*fault
	now     func() time.Time
}

type secret struct {
	seq          int64
	arn, name    string
	description  *string
	kmsKeyID     *string
	tags         []Tag
	created      time.Time
	lastChanged  time.Time
	lastAccessed time.Time
	deleted      time.Time // scheduled deletion date; zero if not deleted
	versions     map[string]*version
	order        []string // version ids, oldest first
}

type version struct {
	id       string
	str      *string
	bin      []byte
	stages   []string
	created  time.Time
	accessed time.Time
}

type fault struct {
	status int
	typ    string
	left   int // < 0: unlimited
}

// Tag is a secret's tag.
type Tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// New returns an empty server.
func New() *Server {
	return &Server{
		secrets: map[string]*secret{},
		counts:  map[string]int{},
		faults:  map[string]*fault{},
		now:     time.Now,
	}
}

// Handler returns the server as an http.Handler (it serves every path).
func (s *Server) Handler() http.Handler { return s }

// Reset forgets all secrets, counts and faults.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = map[string]*secret{}
	s.counts = map[string]int{}
	s.faults = map[string]*fault{}
}

// Put seeds a secret: it creates name with secretString, or, if name exists,
// adds a new AWSCURRENT version (the old one becomes AWSPREVIOUS) and cancels
// a scheduled deletion. It returns the secret's ARN. Put is not counted.
func (s *Server) Put(name, secretString string) (arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sec := s.secrets[name]
	if sec == nil {
		sec = s.newSecret(name, now)
	}
	sec.deleted = time.Time{}
	str := secretString
	s.addVersion(sec, newUUID(), &str, nil, []string{StageCurrent}, now)
	return sec.arn
}

// Current returns the AWSCURRENT string value and version id of the secret
// named or ARN'd by id, for assertions in tests.
func (s *Server) Current(id string) (value, versionID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(id)
	if sec == nil {
		return "", "", false
	}
	v := sec.stageHolder(StageCurrent)
	if v == nil || v.str == nil {
		return "", "", false
	}
	return *v.str, v.id, true
}

// Counts returns how many requests each operation received (including
// requests answered by an injected fault or an error).
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// SetFault makes the next times calls of op (an operation name such as
// "GetSecretValue", or "*" for every operation) fail with HTTP status and
// the AWS error type awsType. times <= 0 means until cleared; status 0
// clears the fault for op. A 5xx or throttling fault is retried by the SDK
// (3 attempts by default), and every attempt consumes one time.
func (s *Server) SetFault(op string, status int, awsType string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == 0 {
		delete(s.faults, op)
		return
	}
	left := times
	if times <= 0 {
		left = -1
	}
	s.faults[op] = &fault{status: status, typ: awsType, left: left}
}

// ListenAndServe serves the fake on addr (for example "127.0.0.1:0") in a
// goroutine and returns the server and its bound listener; stop it with
// Close or Shutdown on the returned *http.Server.
func (s *Server) ListenAndServe(addr string) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return hs, ln, nil
}

// apiError is an AWS-shaped error response.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func errf(typ, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typ, msg: fmt.Sprintf(format, args...)}
}

type opFunc func(s *Server, body []byte) (any, *apiError)

var ops = map[string]opFunc{
	"CreateSecret":             (*Server).createSecret,
	"GetSecretValue":           (*Server).getSecretValue,
	"PutSecretValue":           (*Server).putSecretValue,
	"DescribeSecret":           (*Server).describeSecret,
	"UpdateSecret":             (*Server).updateSecret,
	"ListSecrets":              (*Server).listSecrets,
	"DeleteSecret":             (*Server).deleteSecret,
	"RestoreSecret":            (*Server).restoreSecret,
	"UpdateSecretVersionStage": (*Server).updateSecretVersionStage,
	"ListSecretVersionIds":     (*Server).listSecretVersionIds,
}

// ServeHTTP implements the JSON 1.1 protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	if r.Method != http.MethodPost || !ok || op == "" {
		writeError(w, errf(ErrUnknownOperation, "unsupported request %s %s with X-Amz-Target %q", r.Method, r.URL.Path, target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, errf(ErrSerialization, "read body: %v", err))
		return
	}
	if len(body) > maxBody {
		writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, typ: ErrValidation, msg: "request body too large"})
		return
	}

	s.mu.Lock()
	s.counts[op]++
	if e := s.takeFault(op); e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	fn := ops[op]
	if fn == nil {
		s.mu.Unlock()
		writeError(w, errf(ErrUnknownOperation, "operation %s is not supported by this fake", op))
		return
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	out, e := fn(s, body)
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, &apiError{status: 500, typ: ErrInternalServiceErr, msg: err.Error()})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// takeFault returns the injected error for op, if any. s.mu is held.
func (s *Server) takeFault(op string) *apiError {
	for _, key := range []string{op, "*"} {
		f := s.faults[key]
		if f == nil {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				delete(s.faults, key)
			}
		}
		return &apiError{status: f.status, typ: f.typ, msg: "injected fault for " + op}
	}
	return nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.Header().Set("X-Amzn-Errortype", e.typ)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errf(ErrSerialization, "cannot parse request: %v", err)
	}
	return nil
}

// epoch marshals a time as JSON 1.1 epoch seconds (with milliseconds).
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func ep(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// --- model helpers (s.mu held) ---

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@!-]{1,512}$`)
	suffixChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func (s *Server) newSecret(name string, now time.Time) *secret {
	s.seq++
	sec := &secret{
		seq:         s.seq,
		name:        name,
		arn:         fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", Region, AccountID, name, randomString(6)),
		created:     now,
		lastChanged: now,
		versions:    map[string]*version{},
	}
	s.secrets[name] = sec
	return sec
}

// lookup finds a secret by name, full ARN or partial ARN (without the
// six-character suffix).
func (s *Server) lookup(id string) *secret {
	if sec := s.secrets[id]; sec != nil { // names cannot contain ':'
		return sec
	}
	if strings.HasPrefix(id, "arn:") {
		for _, sec := range s.secrets {
			if sec.arn == id || sec.arn[:len(sec.arn)-7] == id {
				return sec
			}
		}
	}
	return nil
}

func (s *Server) find(id *string) (*secret, *apiError) {
	if id == nil || *id == "" {
		return nil, errf(ErrInvalidParameter, "SecretId is required")
	}
	sec := s.lookup(*id)
	if sec == nil {
		return nil, errf(ErrResourceNotFound, "Secrets Manager can't find the specified secret.")
	}
	return sec, nil
}

// findLive is find for operations refused on secrets scheduled for deletion.
func (s *Server) findLive(id *string) (*secret, *apiError) {
	sec, e := s.find(id)
	if e != nil {
		return nil, e
	}
	if !sec.deleted.IsZero() {
		return nil, errf(ErrInvalidRequest, "You can't perform this operation on the secret because it was marked for deletion.")
	}
	return sec, nil
}

func (sec *secret) stageHolder(stage string) *version {
	for _, id := range sec.order {
		if v := sec.versions[id]; slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

// moveStage attaches stage to to, removing it from any other version. Moving
// AWSCURRENT gives the old current version AWSPREVIOUS.
func (sec *secret) moveStage(stage string, to *version) {
	if slices.Contains(to.stages, stage) {
		return
	}
	old := sec.stageHolder(stage)
	if old != nil {
		old.stages = slices.DeleteFunc(old.stages, func(x string) bool { return x == stage })
	}
	if stage == StageCurrent && old != nil {
		if prev := sec.stageHolder(StagePrevious); prev != nil {
			prev.stages = slices.DeleteFunc(prev.stages, func(x string) bool { return x == StagePrevious })
		}
		if !slices.Contains(old.stages, StagePrevious) {
			old.stages = append(old.stages, StagePrevious)
		}
	}
	to.stages = append(to.stages, stage)
}

func (s *Server) addVersion(sec *secret, id string, str *string, bin []byte, stages []string, now time.Time) *version {
	v := &version{id: id, str: str, bin: bin, created: now}
	sec.versions[id] = v
	sec.order = append(sec.order, id)
	for _, st := range stages {
		sec.moveStage(st, v)
	}
	sec.lastChanged = now
	// Like the service, drop the oldest deprecated (unlabelled) versions
	// beyond maxVersions.
	for len(sec.order) > maxVersions {
		i := slices.IndexFunc(sec.order, func(id string) bool { return len(sec.versions[id].stages) == 0 })
		if i < 0 {
			break
		}
		delete(sec.versions, sec.order[i])
		sec.order = slices.Delete(sec.order, i, i+1)
	}
	return v
}

// checkValue validates a SecretString/SecretBinary pair.
func checkValue(str *string, bin []byte, required bool) *apiError {
	switch {
	case str != nil && bin != nil:
		return errf(ErrInvalidParameter, "You can't specify both a binary secret value and a string secret value in the same secret.")
	case required && str == nil && bin == nil:
		return errf(ErrInvalidParameter, "You must provide either SecretString or SecretBinary.")
	case str != nil && len(*str) > maxSecretBytes, len(bin) > maxSecretBytes:
		return errf(ErrInvalidParameter, "The secret value exceeds the maximum size of %d bytes.", maxSecretBytes)
	}
	return nil
}

func checkToken(tok *string) (string, *apiError) {
	if tok == nil {
		return newUUID(), nil
	}
	if n := len(*tok); n < 32 || n > 64 {
		return "", errf(ErrValidation, "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64")
	}
	return *tok, nil
}

func sameValue(v *version, str *string, bin []byte) bool {
	if (v.str == nil) != (str == nil) || (v.bin == nil) != (bin == nil) {
		return false
	}
	return (str == nil || *v.str == *str) && string(v.bin) == string(bin)
}

// newVersion is the idempotent core of PutSecretValue and UpdateSecret: it
// returns the existing version when token names one with the same value.
func (s *Server) newVersion(sec *secret, tok *string, str *string, bin []byte, stages []string) (*version, *apiError) {
	id, e := checkToken(tok)
	if e != nil {
		return nil, e
	}
	if old := sec.versions[id]; old != nil {
		if sameValue(old, str, bin) {
			return old, nil
		}
		return nil, errf(ErrResourceExists, "You can't modify an existing version, you can only create a new version.")
	}
	return s.addVersion(sec, id, str, bin, stages, s.now()), nil
}

// --- operations ---

type createSecretIn struct {
	Name               *string
	ClientRequestToken *string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       []byte
	Tags               []Tag
}

type secretRef struct {
	ARN       string  `json:"ARN"`
	Name      string  `json:"Name"`
	VersionId *string `json:"VersionId,omitempty"`
}

func (s *Server) createSecret(body []byte) (any, *apiError) {
	var in createSecretIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Name == nil || !namePattern.MatchString(*in.Name) {
		return nil, errf(ErrInvalidParameter, "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!")
	}
	if e := checkValue(in.SecretString, in.SecretBinary, false); e != nil {
		return nil, e
	}
	tok, e := checkToken(in.ClientRequestToken)
	if e != nil {
		return nil, e
	}
	name := *in.Name
	if sec := s.secrets[name]; sec != nil {
		if !sec.deleted.IsZero() {
			return nil, errf(ErrInvalidRequest, "You can't create this secret because a secret with this name is already scheduled for deletion.")
		}
		// A retried CreateSecret with the same token and value succeeds.
		if v := sec.versions[tok]; v != nil && sameValue(v, in.SecretString, in.SecretBinary) {
			return secretRef{ARN: sec.arn, Name: sec.name, VersionId: &v.id}, nil
		}
		return nil, errf(ErrResourceExists, "The operation failed because the secret %s already exists.", name)
	}
	now := s.now()
	sec := s.newSecret(name, now)
	sec.description, sec.kmsKeyID, sec.tags = in.Description, in.KmsKeyId, in.Tags
	out := secretRef{ARN: sec.arn, Name: sec.name}
	if in.SecretString != nil || in.SecretBinary != nil {
		v := s.addVersion(sec, tok, in.SecretString, in.SecretBinary, []string{StageCurrent}, now)
		out.VersionId = &v.id
	}
	return out, nil
}

type getSecretValueIn struct {
	SecretId     *string
	VersionId    *string
	VersionStage *string
}

type getSecretValueOut struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	SecretString  *string  `json:"SecretString,omitempty"`
	SecretBinary  []byte   `json:"SecretBinary,omitempty"`
	VersionStages []string `json:"VersionStages"`
	CreatedDate   *epoch   `json:"CreatedDate,omitempty"`
}

func (s *Server) getSecretValue(body []byte) (any, *apiError) {
	var in getSecretValueIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.findLive(in.SecretId)
	if e != nil {
		return nil, e
	}
	var v *version
	switch {
	case in.VersionId != nil:
		v = sec.versions[*in.VersionId]
		if v != nil && in.VersionStage != nil && !slices.Contains(v.stages, *in.VersionStage) {
			v = nil
		}
		if v == nil {
			return nil, errf(ErrResourceNotFound, "Secrets Manager can't find the specified secret value for VersionId: %s", *in.VersionId)
		}
	default:
		stage := StageCurrent
		if in.VersionStage != nil {
			stage = *in.VersionStage
		}
		if v = sec.stageHolder(stage); v == nil {
			return nil, errf(ErrResourceNotFound, "Secrets Manager can't find the specified secret value for staging label: %s", stage)
		}
	}
	now := s.now()
	day := now.UTC().Truncate(24 * time.Hour)
	sec.lastAccessed, v.accessed = day, day
	return getSecretValueOut{
		ARN: sec.arn, Name: sec.name, VersionId: v.id,
		SecretString: v.str, SecretBinary: v.bin,
		VersionStages: append([]string{}, v.stages...),
		CreatedDate:   ep(v.created),
	}, nil
}

type putSecretValueIn struct {
	SecretId           *string
	ClientRequestToken *string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

type versionOut struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

func (s *Server) putSecretValue(body []byte) (any, *apiError) {
	var in putSecretValueIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.findLive(in.SecretId)
	if e != nil {
		return nil, e
	}
	if e := checkValue(in.SecretString, in.SecretBinary, true); e != nil {
		return nil, e
	}
	stages := in.VersionStages
	if stages == nil {
		stages = []string{StageCurrent}
	}
	v, e := s.newVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary, stages)
	if e != nil {
		return nil, e
	}
	return versionOut{ARN: sec.arn, Name: sec.name, VersionId: v.id, VersionStages: append([]string{}, v.stages...)}, nil
}

type describeSecretOut struct {
	ARN                string              `json:"ARN"`
	Name               string              `json:"Name"`
	Description        *string             `json:"Description,omitempty"`
	KmsKeyId           *string             `json:"KmsKeyId,omitempty"`
	CreatedDate        *epoch              `json:"CreatedDate,omitempty"`
	LastChangedDate    *epoch              `json:"LastChangedDate,omitempty"`
	LastAccessedDate   *epoch              `json:"LastAccessedDate,omitempty"`
	DeletedDate        *epoch              `json:"DeletedDate,omitempty"`
	Tags               []Tag               `json:"Tags,omitempty"`
	VersionIdsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
}

func (sec *secret) stagesMap() map[string][]string {
	m := map[string][]string{}
	for id, v := range sec.versions {
		if len(v.stages) > 0 {
			m[id] = append([]string{}, v.stages...)
		}
	}
	return m
}

func (s *Server) describeSecret(body []byte) (any, *apiError) {
	var in struct{ SecretId *string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	return describeSecretOut{
		ARN: sec.arn, Name: sec.name, Description: sec.description, KmsKeyId: sec.kmsKeyID,
		CreatedDate: ep(sec.created), LastChangedDate: ep(sec.lastChanged),
		LastAccessedDate: ep(sec.lastAccessed), DeletedDate: ep(sec.deleted),
		Tags: sec.tags, VersionIdsToStages: sec.stagesMap(),
	}, nil
}

type updateSecretIn struct {
	SecretId           *string
	ClientRequestToken *string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       []byte
}

func (s *Server) updateSecret(body []byte) (any, *apiError) {
	var in updateSecretIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.findLive(in.SecretId)
	if e != nil {
		return nil, e
	}
	if e := checkValue(in.SecretString, in.SecretBinary, false); e != nil {
		return nil, e
	}
	out := secretRef{ARN: sec.arn, Name: sec.name}
	if in.SecretString != nil || in.SecretBinary != nil {
		v, e := s.newVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary, []string{StageCurrent})
		if e != nil {
			return nil, e
		}
		out.VersionId = &v.id
	}
	if in.Description != nil {
		sec.description = in.Description
	}
	if in.KmsKeyId != nil {
		sec.kmsKeyID = in.KmsKeyId
	}
	sec.lastChanged = s.now()
	return out, nil
}

type filter struct {
	Key    string
	Values []string
}

type listSecretsIn struct {
	MaxResults             *int
	NextToken              *string
	Filters                []filter
	SortOrder              *string
	IncludePlannedDeletion *bool
}

type listEntry struct {
	ARN                    string              `json:"ARN"`
	Name                   string              `json:"Name"`
	Description            *string             `json:"Description,omitempty"`
	KmsKeyId               *string             `json:"KmsKeyId,omitempty"`
	CreatedDate            *epoch              `json:"CreatedDate,omitempty"`
	LastChangedDate        *epoch              `json:"LastChangedDate,omitempty"`
	LastAccessedDate       *epoch              `json:"LastAccessedDate,omitempty"`
	DeletedDate            *epoch              `json:"DeletedDate,omitempty"`
	Tags                   []Tag               `json:"Tags,omitempty"`
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
}

type listSecretsOut struct {
	SecretList []listEntry `json:"SecretList"`
	NextToken  *string     `json:"NextToken,omitempty"`
}

// matchFilter: values are prefix matches, OR'ed; "!" negates a value.
func (sec *secret) matchFilter(f filter) bool {
	var fields []string
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	switch f.Key {
	case "name":
		fields = []string{sec.name}
	case "description":
		fields = []string{str(sec.description)}
	case "tag-key":
		for _, t := range sec.tags {
			fields = append(fields, str(t.Key))
		}
	case "tag-value":
		for _, t := range sec.tags {
			fields = append(fields, str(t.Value))
		}
	case "all":
		fields = []string{sec.name, str(sec.description)}
		for _, t := range sec.tags {
			fields = append(fields, str(t.Key), str(t.Value))
		}
	}
	for _, val := range f.Values {
		neg := strings.HasPrefix(val, "!")
		val = strings.TrimPrefix(val, "!")
		hit := slices.ContainsFunc(fields, func(x string) bool { return strings.HasPrefix(x, val) })
		if hit != neg {
			return true
		}
	}
	return false
}

var filterKeys = []string{"description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"}

func (s *Server) listSecrets(body []byte) (any, *apiError) {
	var in listSecretsIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	for _, f := range in.Filters {
		if !slices.Contains(filterKeys, f.Key) {
			return nil, errf(ErrInvalidParameter, "Invalid filter key %q.", f.Key)
		}
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return nil, errf(ErrInvalidParameter, "MaxResults must be between 1 and 100.")
		}
		limit = *in.MaxResults
	}
	start := 0
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			return nil, errf(ErrInvalidParameter, "Invalid NextToken.")
		}
		start = n
	}
	var list []*secret
	for _, sec := range s.secrets {
		if !sec.deleted.IsZero() && (in.IncludePlannedDeletion == nil || !*in.IncludePlannedDeletion) {
			continue
		}
		ok := true
		for _, f := range in.Filters {
			ok = ok && sec.matchFilter(f)
		}
		if ok {
			list = append(list, sec)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	if in.SortOrder != nil && *in.SortOrder == "desc" {
		slices.Reverse(list)
	}
	out := listSecretsOut{SecretList: []listEntry{}}
	for i := start; i < len(list) && i < start+limit; i++ {
		sec := list[i]
		out.SecretList = append(out.SecretList, listEntry{
			ARN: sec.arn, Name: sec.name, Description: sec.description, KmsKeyId: sec.kmsKeyID,
			CreatedDate: ep(sec.created), LastChangedDate: ep(sec.lastChanged),
			LastAccessedDate: ep(sec.lastAccessed), DeletedDate: ep(sec.deleted),
			Tags: sec.tags, SecretVersionsToStages: sec.stagesMap(),
		})
	}
	if start+limit < len(list) {
		tok := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(start + limit)))
		out.NextToken = &tok
	}
	return out, nil
}

type deleteSecretIn struct {
	SecretId                   *string
	RecoveryWindowInDays       *int
	ForceDeleteWithoutRecovery *bool
}

type deleteSecretOut struct {
	ARN          string `json:"ARN"`
	Name         string `json:"Name"`
	DeletionDate *epoch `json:"DeletionDate"`
}

func (s *Server) deleteSecret(body []byte) (any, *apiError) {
	var in deleteSecretIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	force := in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery
	if force && in.RecoveryWindowInDays != nil {
		return nil, errf(ErrInvalidParameter, "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
	}
	days := 30
	if in.RecoveryWindowInDays != nil {
		days = *in.RecoveryWindowInDays
		if days < 7 || days > 30 {
			return nil, errf(ErrInvalidParameter, "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
		}
	}
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	now := s.now()
	if force {
		delete(s.secrets, sec.name)
		return deleteSecretOut{ARN: sec.arn, Name: sec.name, DeletionDate: ep(now)}, nil
	}
	if !sec.deleted.IsZero() {
		return nil, errf(ErrInvalidRequest, "You can't perform this operation on the secret because it was already scheduled for deletion.")
	}
	sec.deleted = now.Add(time.Duration(days) * 24 * time.Hour)
	sec.lastChanged = now
	return deleteSecretOut{ARN: sec.arn, Name: sec.name, DeletionDate: ep(sec.deleted)}, nil
}

func (s *Server) restoreSecret(body []byte) (any, *apiError) {
	var in struct{ SecretId *string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	sec.deleted = time.Time{}
	sec.lastChanged = s.now()
	return secretRef{ARN: sec.arn, Name: sec.name}, nil
}

type updateStageIn struct {
	SecretId            *string
	VersionStage        *string
	RemoveFromVersionId *string
	MoveToVersionId     *string
}

func (s *Server) updateSecretVersionStage(body []byte) (any, *apiError) {
	var in updateStageIn
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.findLive(in.SecretId)
	if e != nil {
		return nil, e
	}
	if in.VersionStage == nil || *in.VersionStage == "" {
		return nil, errf(ErrInvalidParameter, "VersionStage is required.")
	}
	stage := *in.VersionStage
	holder := sec.stageHolder(stage)
	removeFrom := ""
	if in.RemoveFromVersionId != nil {
		removeFrom = *in.RemoveFromVersionId
		if holder == nil || holder.id != removeFrom {
			return nil, errf(ErrInvalidParameter, "The staging label %s is not attached to version %s.", stage, removeFrom)
		}
	}
	switch {
	case in.MoveToVersionId != nil:
		to := sec.versions[*in.MoveToVersionId]
		if to == nil {
			return nil, errf(ErrResourceNotFound, "Secrets Manager can't find the specified secret version: %s", *in.MoveToVersionId)
		}
		if holder != nil && holder != to && removeFrom == "" {
			return nil, errf(ErrInvalidParameter, "The staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", stage, holder.id)
		}
		sec.moveStage(stage, to)
	case removeFrom != "":
		if stage == StageCurrent {
			return nil, errf(ErrInvalidParameter, "You can't remove the staging label AWSCURRENT; move it to another version instead.")
		}
		holder.stages = slices.DeleteFunc(holder.stages, func(x string) bool { return x == stage })
	default:
		return nil, errf(ErrInvalidParameter, "You must specify MoveToVersionId or RemoveFromVersionId.")
	}
	sec.lastChanged = s.now()
	return secretRef{ARN: sec.arn, Name: sec.name}, nil
}

type versionEntry struct {
	VersionId        string   `json:"VersionId"`
	VersionStages    []string `json:"VersionStages,omitempty"`
	CreatedDate      *epoch   `json:"CreatedDate,omitempty"`
	LastAccessedDate *epoch   `json:"LastAccessedDate,omitempty"`
}

func (s *Server) listSecretVersionIds(body []byte) (any, *apiError) {
	var in struct {
		SecretId          *string
		IncludeDeprecated *bool
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	all := in.IncludeDeprecated != nil && *in.IncludeDeprecated
	out := struct {
		ARN      string         `json:"ARN"`
		Name     string         `json:"Name"`
		Versions []versionEntry `json:"Versions"`
	}{ARN: sec.arn, Name: sec.name, Versions: []versionEntry{}}
	for _, id := range sec.order {
		v := sec.versions[id]
		if len(v.stages) == 0 && !all {
			continue
		}
		out.Versions = append(out.Versions, versionEntry{VersionId: v.id, VersionStages: append([]string{}, v.stages...),
			CreatedDate: ep(v.created), LastAccessedDate: ep(v.accessed)})
	}
	return out, nil
}

// --- ids ---

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func randomString(n int) string {
	out := make([]byte, n)
	max := big.NewInt(int64(len(suffixChars)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		out[i] = suffixChars[k.Int64()]
	}
	return string(out)
}
