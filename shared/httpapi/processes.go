package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unicogw/gateway/shared/domain"
)

// handleCreate serves POST /v1/processes. The Idempotency-Key's fingerprint is the SHA-256 of
// the raw body, so "the same request" means byte for byte the same.
func (a *API) handleCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var req domain.CreateRequest
		if err := decodeStrict(body, &req); err != nil {
			writeError(w, r, err)
			return
		}
		sum := sha256.Sum256(body)
		res, replayed, err := a.svc.Create(r.Context(), domain.CreateInput{
			Tenant: tenantOf(r), IdempotencyKey: r.Header.Get("Idempotency-Key"), Fingerprint: hex.EncodeToString(sum[:]), Request: req,
		})
		if err != nil {
			if replayed {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			writeError(w, r, err)
			return
		}
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		writeJSON(w, http.StatusCreated, res)
	})
}

// handleGet serves GET /v1/processes/{id}[?include=documents].
func (a *API) handleGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opt, err := readOptions(r.URL.Query()["include"])
		if err != nil {
			writeError(w, r, err)
			return
		}
		view, err := a.svc.Get(r.Context(), tenantOf(r), r.PathValue("id"), opt)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, view)
	})
}

// handleList serves GET /v1/processes?clientReference=&state=&createdFrom=&createdTo=&decision=&reviewed=&limit=&cursor=
func (a *API) handleList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		lq := domain.ListQuery{Tenant: tenantOf(r), ClientReference: q.Get("clientReference"), State: domain.State(q.Get("state")), Cursor: q.Get("cursor")}
		var err error
		if lq.CreatedFrom, err = queryTime(q.Get("createdFrom"), "createdFrom", "invalid_createdFrom"); err == nil {
			lq.CreatedTo, err = queryTime(q.Get("createdTo"), "createdTo", "invalid_createdTo")
		}
		if err == nil {
			err = reviewQuery(q, &lq) // review.go: decision=review, reviewed=
		}
		if err == nil && q.Get("limit") != "" {
			lq.Limit, err = strconv.Atoi(q.Get("limit"))
			if err != nil || lq.Limit < 1 {
				err = domain.Errorf(domain.KindInvalid, "invalid_limit", "limit must be between 1 and 100.")
			}
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		res, err := a.svc.List(r.Context(), lq)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}

// queryTime parses an RFC 3339 query parameter; code is its stable error code (a literal at the
// call, so that docs/errors.md's test sees it).
func queryTime(v, name, code string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, domain.Errorf(domain.KindInvalid, code, "%s must be an RFC 3339 time such as 2026-01-31T00:00:00Z.", name)
	}
	return t, nil
}

// readOptions parses include: a comma-separated list (or repeated parameter) of what a read
// should fetch from Unico beyond what is recorded; "documents" is the one value today.
func readOptions(include []string) (domain.ReadOptions, error) {
	var opt domain.ReadOptions
	for _, v := range include {
		for _, part := range strings.Split(v, ",") {
			switch strings.TrimSpace(part) {
			case "documents":
				opt.IncludeDocuments = true
			default:
				return opt, domain.Errorf(domain.KindInvalid, "invalid_include", "include must be documents.")
			}
		}
	}
	return opt, nil
}
