package httpapi

import (
	"net/http"
	"strings"
)

// cors adds CORS headers to answers for browser origins the deployment allows (CORS_ORIGINS;
// none by default: app backends call the API server to server). API Gateway answers the
// preflights; the functions must still name the origin on the real answers, or browsers hide
// them. Only exact origins match: no wildcard, no credentials.
func (a *API) cors(next http.Handler) http.Handler {
	if len(a.corsOrigins) == 0 {
		return next
	}
	allowed := make(map[string]bool, len(a.corsOrigins))
	for _, o := range a.corsOrigins {
		allowed[strings.TrimRight(o, "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && allowed[origin] && strings.HasPrefix(r.URL.Path, "/v1/") {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "X-Request-Id, Idempotent-Replayed, Retry-After")
		}
		next.ServeHTTP(w, r)
	})
}
