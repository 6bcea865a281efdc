// Package tokenshare shares Unico access tokens between the gateway's Lambda containers through
// a Secrets Manager secret (the "token secret"), so that the whole fleet mints about one token
// per token lifetime instead of one per container.
//
//   - One writer, the scheduled refresher (Refresher, run by functions/tokenrefresher every
//     few minutes), mints a token when the shared one enters its refresh window and writes
//     {"accessToken","expiresAt","issuedAt"} with PutSecretValue: at most one write per token
//     lifetime and never two within MinWriteInterval (AWS asks for no more than one
//     PutSecretValue per 10 minutes per secret).
//   - Every container reads the secret through a Reader, the unicoclient.SharedTokenStore of
//     its TokenSource: read once, kept in memory by the TokenSource, read again only when the
//     copy in memory nears expiry. A Reader never writes (the functions' roles have no
//     PutSecretValue); when the shared token is missing or stale the TokenSource mints its own,
//     collapsed with single-flight, rather than fail.
//
// The token is a secret: it never reaches a log line, an error or a metric.
package tokenshare

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Document is the token secret's value.
type Document struct {
	AccessToken string    `json:"accessToken"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// IssuedAt is when the refresher wrote the document; it enforces MinWriteInterval.
	IssuedAt time.Time `json:"issuedAt"`
}

// String hides the token.
func (d Document) String() string {
	return "tokenshare.Document{redacted, expires " + d.ExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString hides the token.
func (d Document) GoString() string { return d.String() }

// LogValue hides the token.
func (d Document) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiresAt", d.ExpiresAt), slog.Time("issuedAt", d.IssuedAt))
}

// EmptyDocument is the token secret's value before the first refresh (the stack creates the
// secret with it).
const EmptyDocument = "{}"

// parseDocument reads a token secret's value. ok is false for an empty document, a document
// without a token or expiry, and a malformed one (why says which, without quoting the value).
func parseDocument(s string) (d Document, ok bool, why string) {
	if strings.TrimSpace(s) == "" {
		return Document{}, false, "empty"
	}
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return Document{}, false, "not valid JSON (at byte " + strconv.FormatInt(syn.Offset, 10) + ")"
		}
		return Document{}, false, "not a token document"
	}
	if d.AccessToken == "" || d.ExpiresAt.IsZero() {
		return d, false, "no token yet"
	}
	return d, true, ""
}

// Error is a failed Secrets Manager call on the token secret. Its text has the operation, the
// secret id and the AWS error code only.
type Error struct {
	Op       string // GetSecretValue or PutSecretValue
	SecretID string
	Code     string // e.g. ResourceNotFoundException, AccessDeniedException
	err      error
}

func (e *Error) Error() string {
	return "tokenshare: " + e.Op + " on secret " + strconv.Quote(e.SecretID) + ": " + e.Code
}

// Unwrap returns the SDK's error (for errors.As); its text is not for logs.
func (e *Error) Unwrap() error { return e.err }

// errorCode is the AWS error code of an SDK error, or a fixed word for cancellation and
// transport failures.
func errorCode(err error) string {
	var api interface{ ErrorCode() string }
	switch {
	case errors.As(err, &api) && api.ErrorCode() != "":
		return api.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	default:
		return "RequestFailed"
	}
}
