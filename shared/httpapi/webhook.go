package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/unico"
)

// handleUnicoWebhook serves POST /webhooks/unico: Unico's delivery, authenticated with Basic
// or an API-key header (Unico signs nothing), recorded durably with one conditional write and
// acknowledged; a body over MaxWebhookBody is refused before it is parsed; the process is brought up to date afterwards (domain.Service.SyncProcess, run by
// the worker from the table's stream).
func (a *API) handleUnicoWebhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, err := a.webhookAuth(r.Context())
		if err != nil {
			writeError(w, r, err)
			return
		}
		if !webhookAuthorized(r, creds) {
			writeError(w, r, domain.Errorf(domain.KindUnauthorized, "webhook_unauthorized", "Missing or wrong webhook credentials."))
			return
		}
		body, err := readBodyLimit(r, MaxWebhookBody)
		if err != nil {
			writeError(w, r, err)
			return
		}
		ev, err := domain.ParseUnicoWebhook(body)
		if err != nil {
			writeError(w, r, err)
			return
		}
		receipt, err := a.svc.RecordUnicoWebhook(r.Context(), ev)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, receipt)
	})
}

// webhookAuthorized compares the presented credential with every configured one, in constant
// time: both sides are hashed first so that lengths leak nothing either, and every candidate is
// checked (no early exit) so timing does not reveal which one matched.
func webhookAuthorized(r *http.Request, creds []unico.WebhookCredential) bool {
	ok := 0
	for _, c := range creds {
		var want, got string
		switch strings.ToLower(c.Type) {
		case "basic":
			if c.Username == "" || c.Password == "" {
				continue
			}
			want = "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))
			got = r.Header.Get("Authorization")
		case "apikey":
			if c.Header == "" || c.Value == "" {
				continue
			}
			want, got = c.Value, r.Header.Get(c.Header)
		default:
			continue
		}
		if got == "" {
			continue
		}
		w, g := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(got))
		ok |= subtle.ConstantTimeCompare(w[:], g[:])
	}
	return ok == 1
}
