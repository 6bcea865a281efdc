// Package httpapi is the gateway's public HTTP API: one route table, handlers built by functions
// that take their dependencies, JSON in and out, and the mapping of domain errors to status codes.
package httpapi

import (
	"net/http"

	"github.com/unicogw/gateway/shared/unicobudget"
)

// Function names: one Lambda function serves each group of routes.
const (
	FunctionCreate  = "create"
	FunctionGet     = "get"
	FunctionWebhook = "webhook"
)

// Route is one public route. The table is the single source for the handlers, the local runner
// (which dispatches each route to its function as API Gateway does) and the OpenAPI test.
type Route struct {
	Method   string
	Path     string // API Gateway style: /v1/processes/{id}
	Function string
	APIKey   bool // API Gateway requires x-api-key (the tenant's key)
}

// Routes lists every public route.
func Routes() []Route {
	return []Route{
		{http.MethodPost, "/v1/processes", FunctionCreate, true},
		{http.MethodGet, "/v1/processes", FunctionGet, true},
		{http.MethodGet, "/v1/processes/{id}", FunctionGet, true},
		{http.MethodGet, "/v1/documents", FunctionGet, true},
		{http.MethodPost, "/v1/processes/{id}/redact", FunctionCreate, true},
		{http.MethodPost, "/v1/processes/{id}/notifications", FunctionCreate, true},
		{http.MethodPost, "/v1/processes/{id}/review", FunctionCreate, true},
		{http.MethodPost, "/webhooks/unico", FunctionWebhook, false},
		// Artefacts, fetched from Unico on demand (artefacts.go).
		{http.MethodGet, "/v1/processes/{id}/selfie", FunctionGet, true},
		{http.MethodGet, "/v1/processes/{id}/evidence-set", FunctionGet, true},
		{http.MethodGet, "/v1/processes/{id}/signed-documents/{documentId}", FunctionGet, true},
		{http.MethodGet, "/v1/processes/{id}/signature-evidence/{documentId}", FunctionGet, true},
		{http.MethodPut, "/v1/processes/{id}/document", FunctionCreate, true},
	}
}

// routeHandlers binds each route to its handler; a function's mux registers only its own.
func (a *API) routeHandlers() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /v1/processes":     a.handleCreate(),
		"GET /v1/processes":      a.handleList(),
		"GET /v1/processes/{id}": a.handleGet(),
		"GET /v1/documents":      a.handleReusableDocuments(),
		"POST /webhooks/unico":   a.handleUnicoWebhook(),

		"GET /v1/processes/{id}/selfie":                          a.handleSelfie(),
		"GET /v1/processes/{id}/evidence-set":                    a.handleEvidenceSet(),
		"GET /v1/processes/{id}/signed-documents/{documentId}":   a.handleSignedDocument(),
		"GET /v1/processes/{id}/signature-evidence/{documentId}": a.handleSignatureEvidence(),
		"PUT /v1/processes/{id}/document":                        a.handleSetDocument(),
		"POST /v1/processes/{id}/redact":                         a.handleRedact(),
		// Outbound events: replay (notifications.go).
		"POST /v1/processes/{id}/notifications": a.handleReplayNotification(),
		// A person's decision on a process in review (review.go).
		"POST /v1/processes/{id}/review": a.handleReview(),
	}
}

// Handler returns the http.Handler for one function's routes (or every route when function is
// ""), wrapped in the common middleware.
func (a *API) Handler(function string) http.Handler {
	mux := http.NewServeMux()
	handlers := a.routeHandlers()
	for _, r := range Routes() {
		if function != "" && r.Function != function {
			continue
		}
		h, ok := handlers[r.Method+" "+r.Path]
		if !ok {
			panic("httpapi: no handler for route " + r.Method + " " + r.Path)
		}
		if hasProcessID(r.Path) {
			h = requireProcessID(h)
		}
		if r.APIKey {
			h = a.requireTenant(h)
		}
		h = withUnicoPriority(h, unicoPriority(r))
		mux.Handle(r.Method+" "+r.Path, h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errNoRoute)
	})
	return a.cors(a.middleware(mux))
}

// unicoPriority is the fleet budget's priority of a route's Unico calls: a caller is waiting
// for a new verification (creates, by-Client submissions, a document set) first; every other
// route's calls (read refreshes, includes, artefacts, document lists) are reads. The webhook
// route makes none.
func unicoPriority(r Route) unicobudget.Priority {
	switch r.Method + " " + r.Path {
	case "POST /v1/processes", "PUT /v1/processes/{id}/document":
		return unicobudget.Create
	}
	return unicobudget.Read
}

func withUnicoPriority(h http.Handler, p unicobudget.Priority) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(unicobudget.WithPriority(r.Context(), p)))
	})
}
