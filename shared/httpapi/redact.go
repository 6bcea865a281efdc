package httpapi

import (
	"bytes"
	"net/http"
)

// redactBody is the only body POST /v1/processes/{id}/redact accepts: none, or an empty JSON
// object. Anything else is a 400, so that a client cannot believe an option was honoured.
type redactBody struct{}

// handleRedact serves POST /v1/processes/{id}/redact: it removes the process's personal data
// and answers the process as stored (redacted: true). Repeating it answers the same.
func (a *API) handleRedact() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := decodeStrict(body, &redactBody{}); err != nil {
				writeError(w, r, err)
				return
			}
		}
		view, err := a.svc.Redact(r.Context(), tenantOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, view)
	})
}
