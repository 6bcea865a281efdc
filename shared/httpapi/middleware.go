package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/lambdaproxy"
	"github.com/unicogw/gateway/shared/logging"
)

type loggerKey struct{}
type tenantKey struct{}

// requestInfo is filled in as the request goes down the chain, so that the access log line
// written on the way out knows the tenant.
type requestInfo struct{ tenant string }

func logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func tenantOf(r *http.Request) string {
	if info, ok := r.Context().Value(tenantKey{}).(*requestInfo); ok {
		return info.tenant
	}
	return ""
}

// middleware gives every request an id, a logger, panic recovery and one access log line with
// no body, no query and no header values.
func (a *API) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.now()
		id := lambdaproxy.IdentityFrom(r.Context()).RequestID
		if id == "" {
			id = newRequestID()
		}
		ctx := logging.WithRequestID(r.Context(), id)
		ctx = context.WithValue(ctx, loggerKey{}, a.log)
		info := &requestInfo{}
		ctx = context.WithValue(ctx, tenantKey{}, info)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				a.log.ErrorContext(ctx, "panic in handler", slog.String("path", r.URL.Path))
				writeError(sw, r, &domain.Error{Kind: domain.KindInternal, Code: "internal_error", Message: "Internal error."})
			}
			elapsed := a.now().Sub(start)
			a.log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("route", r.Pattern), slog.Int("status", sw.status),
				slog.String("tenant", info.tenant), slog.Float64("durationMs", float64(elapsed.Microseconds())/1000))
			a.requestMetrics(r.Pattern, sw.status, elapsed)
		}()
		next.ServeHTTP(sw, r)
	})
}

// requireTenant maps the API key API Gateway checked to the tenant that owns it. API Gateway
// already refused requests without a valid key; a key that no tenant owns is a deployment
// mistake and is refused too.
func (a *API) requireTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keyID := lambdaproxy.IdentityFrom(r.Context()).APIKeyID
		tenant, ok := a.tenants(keyID)
		if !ok || tenant == "" {
			writeError(w, r, domain.Errorf(domain.KindForbidden, "unknown_api_key", "The API key is not assigned to a tenant."))
			return
		}
		info, ok := r.Context().Value(tenantKey{}).(*requestInfo)
		if !ok {
			info = &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), tenantKey{}, info))
		}
		info.tenant = tenant
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
