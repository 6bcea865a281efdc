package httpapi

import (
	"net/http"
	"strings"

	"github.com/unicogw/gateway/shared/domain"
)

// requireProcessID answers 404 process_not_found, before any handler, store or Unico call, for
// a route with an {id} whose value is not a Unico process id (a UUID). Handler applies it to
// every such route, so routes added later are covered too; the use cases check again.
func requireProcessID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isProcessID(r.PathValue("id")) {
			writeError(w, r, domain.ErrNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func hasProcessID(path string) bool { return strings.Contains(path, "{id}") }

// isProcessID accepts the canonical UUID form Unico uses for process ids.
func isProcessID(id string) bool { return domain.ValidProcessID(id) }
