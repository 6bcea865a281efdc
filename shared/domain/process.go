package domain

import "time"

// Integration says which Unico contract a process belongs to.
type Integration string

const (
	// ByUnico is the hosted journey ("Web & SDK contract"): the person finishes on Unico's page.
	ByUnico Integration = "by_unico"
	// ByClient is the API contract: the app captures the selfie with Unico's SDK and we submit it.
	ByClient Integration = "by_client"
)

// State is the gateway's normalised lifecycle of a process. Unico's own state and result are kept
// beside it, verbatim, in Process.UnicoState and Process.UnicoResult.
type State string

const (
	StateCreated          State = "created"           // waiting for the person (by Unico)
	StateAwaitingDocument State = "awaiting_document" // custom flow created without a document
	StateProcessing       State = "processing"        // asynchronous work at Unico (by-Client documents)
	StateFinished         State = "finished"          // final: Unico has a result
	StateFailed           State = "failed"            // final: Unico could not run the process
	StateCanceled         State = "canceled"          // final
)

// Rank orders states so that a write can never move a process backwards: a write is accepted only
// when its rank is at least the stored one. A custom flow created without a document waits for
// it before the person can start (PUT /v1/processes/{id}/document moves it to created), so
// awaiting_document ranks below created.
func (s State) Rank() int {
	switch s {
	case StateAwaitingDocument:
		return 1
	case StateCreated:
		return 2
	case StateProcessing:
		return 3
	case StateFinished, StateFailed, StateCanceled:
		return 4
	}
	return 0
}

// Final reports whether no further change is expected from Unico.
func (s State) Final() bool { return s.Rank() == 4 }

// Outcome is the gateway's verdict, the one field an app backend acts on.
type Outcome string

const (
	OutcomeApproved Outcome = "approved"
	OutcomeRejected Outcome = "rejected"
	OutcomeRetry    Outcome = "retry"
	OutcomePending  Outcome = "pending"
	OutcomeReview   Outcome = "review"
)

// Reason is one machine-readable cause of a decision.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Decision is the outcome with its reasons.
type Decision struct {
	Outcome Outcome  `json:"outcome"`
	Reasons []Reason `json:"reasons"`
}

// Process is what the gateway stores about one Unico process. It holds no selfie, no document
// image, no PDF and no clear CPF: the CPF is kept as a keyed hash plus its masked form.
type Process struct {
	ID              string
	Tenant          string
	Integration     Integration
	Flow            string // by Unico: the flow; by Client: the capability set
	State           State
	UnicoState      string
	UnicoResult     string
	Decision        Decision
	ClientReference string
	CPFHash         string // HMAC-SHA256 of the CPF digits with the key from the credentials secret
	CPFMasked       string // ***.***.***-NN
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FinishedAt      time.Time // zero while open
	UnicoExpiresAt  time.Time // when Unico expires the journey (by Unico)
	RetainUntil     time.Time // retention: TTL attribute and a check on read
	RedactedAt      time.Time // when Service.Redact removed the personal data (Redacted is then true)
	NextSweepAt     time.Time // while open: when the sweeper should ask Unico about it (sweep.go)
	CheckedAt       time.Time // when Unico was last read about it (a read refreshes an open process after ReadRefresh)
	Results         *Results  // what Unico showed when last read, without personal or expiring parts (results.go)
	Redacted        bool
	Version         int64 // incremented by every write; optimistic concurrency

	// Review is a person's decision on a process in review (review.go); nil until then.
	Review *Review
}

// Visible reports whether a tenant may see the process at time now.
func (p Process) Visible(tenant string, now time.Time) bool {
	if p.Tenant != tenant {
		return false
	}
	return p.RetainUntil.IsZero() || now.Before(p.RetainUntil)
}
