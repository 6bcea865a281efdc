package domain

import (
	"context"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// ProcessStore keeps processes. Every write is conditional: a create fails if the id exists,
// an update fails unless the stored version is the one the caller read and the state does not
// move backwards (ErrConditionFailed).
type ProcessStore interface {
	GetProcess(ctx context.Context, id string) (Process, error)
	// CreateProcess stores p and, in the same transaction, completes the idempotency record
	// that guarded its creation (when done is not nil).
	CreateProcess(ctx context.Context, p Process, done *IdempotencyDone) error
	// UpdateProcess writes next if the stored version equals prevVersion; next.Version must be
	// prevVersion+1.
	UpdateProcess(ctx context.Context, next Process, prevVersion int64) error
}

// IdempotencyStore guards creates with the caller's Idempotency-Key.
type IdempotencyStore interface {
	// BeginIdempotent takes the lock for (tenant, key). It returns (nil, nil) when the caller
	// owns the lock now, the stored answer when the key was completed with the same
	// fingerprint, a KindUnprocessable error for another fingerprint, and a KindConflict error
	// while another request holds the lock.
	BeginIdempotent(ctx context.Context, lock IdempotencyLock) (*StoredAnswer, error)
	// CompleteIdempotent stores the final answer when no process is written with it
	// (a definite error from Unico).
	CompleteIdempotent(ctx context.Context, done IdempotencyDone) error
	// ReleaseIdempotent drops the lock so that the caller can retry (the outcome at Unico is
	// unknown or nothing was sent).
	ReleaseIdempotent(ctx context.Context, tenant, key string) error
}

// IdempotencyLock is the record a create writes before it calls Unico.
type IdempotencyLock struct {
	Tenant      string
	Key         string
	Fingerprint string    // hash of the request body
	Now         time.Time // lock time
	LockUntil   time.Time // after this a crashed holder's lock may be taken over
	KeepUntil   time.Time // when the record may be forgotten (TTL)
}

// IdempotencyDone completes a lock with the answer to replay.
type IdempotencyDone struct {
	Tenant    string
	Key       string
	Answer    StoredAnswer
	KeepUntil time.Time
}

// StoredAnswer is what a replay returns: a created process (JSON of CreateResult) or an error.
type StoredAnswer struct {
	Result     []byte // JSON of CreateResult, when the create succeeded
	ErrKind    Kind
	ErrCode    string
	ErrMessage string
}

// HostedUnico is Unico's by-Unico API (hosted journey).
type HostedUnico interface {
	CreateProcess(ctx context.Context, req unico.CreateProcessRequest) (unico.Process, error)
	GetProcess(ctx context.Context, id string) (unico.Process, error)
	// Artefacts, fetched on demand and never stored (see artefacts.go).
	GetSelfie(ctx context.Context, id string, raw bool) (unico.Artefact, error)
	GetEvidenceSet(ctx context.Context, id string) (unico.Artefact, error)
	GetSignedDocument(ctx context.Context, documentID string) (unico.Artefact, error)
	GetSignatureEvidence(ctx context.Context, documentID string) (unico.Artefact, error)
	// SetProcessDocument sets the document of a custom-flow process created without one.
	SetProcessDocument(ctx context.Context, id string, duiType unico.DUIType, duiValue string) (unico.Process, error)
}

// ClientUnico is Unico's by-Client API (the app captures the selfie with Unico's SDK). capability
// (unico.Capability*) chooses the APIKEY.
type ClientUnico interface {
	CreateClientProcess(ctx context.Context, capability string, req unico.ClientProcessRequest) (unico.ClientProcess, error)
	GetClientProcess(ctx context.Context, capability, id string, v2 bool) (unico.ClientProcess, error)
	ListReusableDocuments(ctx context.Context, capability, cpf, docType string) (unico.ReusableDocuments, error)
}

// Secrets gives the keys the domain needs from the credentials secret.
type Secrets interface {
	CPFHashKey(ctx context.Context) ([]byte, error)
}

// ProcessLister pages through one tenant's processes, newest first.
type ProcessLister interface {
	ListProcesses(ctx context.Context, q ListQuery) (ListPage, error)
}

// ListQuery filters a tenant's processes. Cursor is opaque (from the previous page).
type ListQuery struct {
	Tenant          string
	ClientReference string
	State           State
	CreatedFrom     time.Time
	CreatedTo       time.Time
	Limit           int
	Cursor          string
	// Review filters (review.go): Decision review lists the review queue, oldest first;
	// Reviewed keeps only processes a person reviewed (true) or did not (false).
	Decision Outcome
	Reviewed *bool
}

// ListPage is one page; NextCursor is empty on the last page.
type ListPage struct {
	Processes  []Process
	NextCursor string
}
