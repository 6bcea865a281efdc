package domain

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// Config holds the service's tunables.
type Config struct {
	Retention      time.Duration // how long a process is kept (TTL and read check); default 180 days
	IdempotencyTTL time.Duration // how long an Idempotency-Key is remembered; default 24 h
	LockFor        time.Duration // how long an in-flight create holds its key; default 35 s
	MinRiskScore   float64       // inconclusive identity + score >= this is approved; default 50
	// ReadRefresh is how long a read of an open process answers what was recorded before one
	// read asks Unico again (read.go); default 5 s. Final processes are never read again.
	ReadRefresh time.Duration
	Now         func() time.Time
	Log         *slog.Logger
	// The asynchronous side (async.go, sync.go, sweep.go): defaults in asyncDefaults.
	SweepAfter       time.Duration // an open process is first checked by the sweeper this long after its creation; default 15 min
	SweepMaxInterval time.Duration // the longest pause between two sweeper checks of an open process; default 6 h
	DeliveryKeep     time.Duration // how long webhook deliveries are remembered to catch duplicates; default 7 days
}

// Service is the gateway's use cases. It depends only on the ports.
type Service struct {
	store   ProcessStore
	lister  ProcessLister
	idem    IdempotencyStore
	hosted  HostedUnico
	client  ClientUnico
	secrets Secrets
	cfg     Config
	async   asyncDeps
}

// Deps are the service's ports.
type Deps struct {
	Store       ProcessStore
	Lister      ProcessLister
	Idempotency IdempotencyStore
	Hosted      HostedUnico
	Client      ClientUnico // by Client; nil answers by_client creates with 503
	Secrets     Secrets
	// The asynchronous side (async.go); nil stores disable it.
	Deliveries DeliveryStore
	Outbox     OutboxStore
	Sweeps     SweepStore
	Callbacks  Callbacks
	Metrics    Metrics
	Observer   Observer // decisions and webhook lag (observe.go); nil observes nothing
}

// NewService wires the use cases.
func NewService(d Deps, cfg Config) *Service {
	if cfg.Retention == 0 {
		cfg.Retention = 180 * 24 * time.Hour
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.LockFor == 0 {
		cfg.LockFor = 35 * time.Second
	}
	if cfg.MinRiskScore == 0 {
		cfg.MinRiskScore = 50
	}
	if cfg.ReadRefresh <= 0 {
		cfg.ReadRefresh = DefaultReadRefresh
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg = asyncDefaults(cfg)
	return &Service{store: d.Store, lister: d.Lister, idem: d.Idempotency, hosted: d.Hosted, client: d.Client, secrets: d.Secrets, cfg: cfg, async: newAsyncDeps(d)}
}

// CreateInput is one create call: the tenant, its Idempotency-Key and the fingerprint of the
// raw body, and the decoded request.
type CreateInput struct {
	Tenant         string
	IdempotencyKey string
	Fingerprint    string
	Request        CreateRequest
}

// CreateResult is the answer to a create, replayed verbatim for the same Idempotency-Key.
type CreateResult struct {
	Process     ProcessView `json:"process"`
	RedirectURL string      `json:"redirectUrl,omitempty"`
	SDKToken    string      `json:"sdkToken,omitempty"`
}

// Create validates the request, takes the Idempotency-Key, calls Unico once and records the
// process together with the key's answer: two store round trips in all.
func (s *Service) Create(ctx context.Context, in CreateInput) (CreateResult, bool, error) {
	if in.IdempotencyKey == "" {
		return CreateResult{}, false, invalid(CodeIdempotencyKey, "The Idempotency-Key header is required on creates.")
	}
	if len(in.IdempotencyKey) > 255 {
		return CreateResult{}, false, invalid("invalid_idempotency_key", "The Idempotency-Key must be at most 255 characters.")
	}
	var (
		hostedReq unico.CreateProcessRequest
		cpf       string
		err       error
	)
	switch in.Request.Integration {
	case ByUnico, "":
		if err = rejectClientFields(in.Request); err == nil {
			hostedReq, cpf, err = hostedRequest(in.Request)
		}
	case ByClient:
		return s.createByClient(ctx, in)
	default:
		err = invalid("invalid_integration", "integration must be by_unico or by_client.")
	}
	if err != nil {
		return CreateResult{}, false, err
	}
	now := s.cfg.Now()
	hashKey, stored, err := s.beginCreate(ctx, in, cpf, now)
	if err != nil || stored != nil {
		return stored.result(err)
	}

	up, err := s.hosted.CreateProcess(ctx, hostedReq)
	if err != nil {
		return CreateResult{}, false, s.unicoCreateFailed(ctx, in, err)
	}
	p := Process{
		ID: up.ID, Tenant: in.Tenant, Integration: ByUnico, Flow: string(hostedReq.Flow),
		ClientReference: hostedReq.ClientReference, CreatedAt: now, UpdatedAt: now,
		RetainUntil: now.Add(s.cfg.Retention), Version: 1,
	}
	if cpf != "" {
		p.CPFHash, p.CPFMasked = HashCPF(hashKey, cpf), MaskCPF(cpf)
	}
	applyHosted(&p, up, s.cfg.MinRiskScore)
	p.CheckedAt, p.Results = now, hostedResults(up).recordable()
	if p.State.Rank() == 0 {
		p.State = StateCreated
	}
	p.NextSweepAt = s.firstSweep(p)
	res := CreateResult{Process: resultsView(p, p.Results, SourceUnico), RedirectURL: up.UserRedirectURL, SDKToken: up.Token}
	body, _ := json.Marshal(res)
	done := &IdempotencyDone{Tenant: in.Tenant, Key: in.IdempotencyKey, Answer: StoredAnswer{Result: body}, KeepUntil: now.Add(s.cfg.IdempotencyTTL)}
	if err := s.store.CreateProcess(settle(ctx), p, done); err != nil {
		// Unico created the process but we could not record it: keep the key locked (it
		// expires after LockFor) rather than invite a second billed create, and say so.
		s.cfg.Log.ErrorContext(ctx, "process created at Unico but not recorded", slog.String("processId", p.ID), slog.Any("err", err))
		return CreateResult{}, false, err
	}
	return res, false, nil
}

// unicoCreateFailed records a definite rejection (so a retry replays it) and releases the key
// when the outcome is unknown or the call can be retried.
func (s *Service) unicoCreateFailed(ctx context.Context, in CreateInput, err error) error {
	e := unicoCreateError(err)
	definite := e.Kind == KindInvalid || e.Kind == KindUnprocessable || e.Kind == KindForbidden
	if definite {
		s.completeWithError(ctx, in, e)
		return e
	}
	if rerr := s.idem.ReleaseIdempotent(settle(ctx), in.Tenant, in.IdempotencyKey); rerr != nil {
		s.cfg.Log.WarnContext(ctx, "could not release the idempotency key", slog.Any("err", rerr))
	}
	return e
}

// beginCreate reads the CPF hash key (before the lock, so that a secrets outage fails the
// request cleanly) and takes the Idempotency-Key. A non-nil replay means the key was used
// before: answer with it.
func (s *Service) beginCreate(ctx context.Context, in CreateInput, cpf string, now time.Time) (hashKey []byte, rep *replayed, err error) {
	if cpf != "" {
		if hashKey, err = s.secrets.CPFHashKey(ctx); err != nil {
			return nil, nil, err
		}
	}
	stored, err := s.idem.BeginIdempotent(ctx, IdempotencyLock{Tenant: in.Tenant, Key: in.IdempotencyKey, Fingerprint: in.Fingerprint,
		Now: now, LockUntil: now.Add(s.cfg.LockFor), KeepUntil: now.Add(s.cfg.IdempotencyTTL)})
	if err != nil || stored == nil {
		return hashKey, nil, err
	}
	return hashKey, &replayed{*stored}, nil
}

// replayed is an earlier answer to the same Idempotency-Key.
type replayed struct{ answer StoredAnswer }

// result is the Create answer for a failed begin (r nil) or a replay.
func (r *replayed) result(err error) (CreateResult, bool, error) {
	if r == nil {
		return CreateResult{}, false, err
	}
	res, rerr := replay(r.answer)
	return res, true, rerr
}

func replay(a StoredAnswer) (CreateResult, error) {
	if a.ErrCode != "" {
		return CreateResult{}, &Error{Kind: a.ErrKind, Code: a.ErrCode, Message: a.ErrMessage}
	}
	var res CreateResult
	if err := json.Unmarshal(a.Result, &res); err != nil {
		return CreateResult{}, &Error{Kind: KindInternal, Code: "corrupt_idempotency_record", Message: "Internal error.", Err: err}
	}
	return res, nil
}

// advance writes next if nobody wrote the process since prev was read (ErrConditionFailed
// otherwise: the caller re-reads, or accepts that the winner wrote the same or a later state).
func (s *Service) advance(ctx context.Context, prev Process, next *Process) error {
	if next.State.Rank() < prev.State.Rank() {
		return ErrConditionFailed
	}
	next.UpdatedAt = s.cfg.Now()
	next.Version = prev.Version + 1
	var err error
	if ev, ok := s.finalEvent(prev, *next); ok {
		err = s.async.outbox.UpdateProcessWithEvent(ctx, *next, prev.Version, ev) // the outbox: state and event together
	} else {
		err = s.store.UpdateProcess(ctx, *next, prev.Version)
	}
	if err == nil {
		s.observeFinal(ctx, prev, *next)
	}
	return err
}

func changed(a, b Process) bool {
	return a.State != b.State || a.UnicoState != b.UnicoState || a.UnicoResult != b.UnicoResult ||
		a.Decision.Outcome != b.Decision.Outcome || !a.FinishedAt.Equal(b.FinishedAt)
}

func (s *Service) logUnknown(ctx context.Context, id string, p unico.Process) {
	if u := unico.UnknownEnums(p); len(u) > 0 {
		s.cfg.Log.WarnContext(ctx, "unknown Unico enum values", slog.String("processId", id), slog.Any("values", u))
	}
}

// ValidProcessID accepts Unico's process ids: the canonical UUID form, 8-4-4-4-12 hex digits
// (and nothing that could be a path trick).
func ValidProcessID(id string) bool { return validID(id) }

func validID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func isPDFBase64(s string) bool {
	if len(s) < 8 {
		return false
	}
	head, err := base64.StdEncoding.DecodeString(s[:8])
	if err != nil || string(head[:5]) != "%PDF-" {
		return false
	}
	_, err = base64.StdEncoding.DecodeString(s)
	return err == nil
}

// settle is the context for the bookkeeping that must follow a call Unico already answered
// (recording the process, completing or releasing the Idempotency-Key): it is not cancelled when
// the caller goes away, so a disconnect cannot leave a created process unrecorded or a key
// locked, and it is bounded so it cannot hang.
func settle(ctx context.Context) context.Context {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	context.AfterFunc(c, cancel)
	return c
}
