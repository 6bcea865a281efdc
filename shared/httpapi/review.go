package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/unicogw/gateway/shared/domain"
)

// handleReview serves POST /v1/processes/{id}/review: a person's decision on a process in
// review (domain/review.go). The Idempotency-Key's fingerprint covers the route, the process id
// and the raw body, so the same key cannot review two processes. 200 with the process as stored
// (the person's decision, the review and the automatic decision it replaced).
func (a *API) handleReview() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var req domain.ReviewRequest
		if err := decodeStrict(body, &req); err != nil {
			writeError(w, r, err)
			return
		}
		id := r.PathValue("id")
		h := sha256.New()
		h.Write([]byte("POST /v1/processes/{id}/review\n" + id + "\n"))
		h.Write(body)
		view, replayed, err := a.svc.Review(r.Context(), domain.ReviewInput{Tenant: tenantOf(r), ID: id,
			IdempotencyKey: r.Header.Get("Idempotency-Key"), Fingerprint: hex.EncodeToString(h.Sum(nil)), Request: req})
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, view)
	})
}

// reviewQuery reads the list's review filters: decision (only review: the queue) and
// reviewed=true|false. The domain checks how they combine.
func reviewQuery(q url.Values, lq *domain.ListQuery) error {
	lq.Decision = domain.Outcome(q.Get("decision"))
	switch v := q.Get("reviewed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		lq.Reviewed = &b
	default:
		return domain.Errorf(domain.KindInvalid, "invalid_reviewed", "reviewed must be true or false.")
	}
	return nil
}
