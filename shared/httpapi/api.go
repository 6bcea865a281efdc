package httpapi

import (
	"context"
	"log/slog"
	"time"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/unico"
)

// TenantResolver maps the id of the API key API Gateway validated to the tenant owning it.
type TenantResolver func(apiKeyID string) (tenant string, ok bool)

// WebhookCredentials returns the credentials Unico may present on our webhook (two during a
// rotation).
type WebhookCredentials func(ctx context.Context) ([]unico.WebhookCredential, error)

// Deps are the API's dependencies.
type Deps struct {
	Service            *domain.Service
	Tenants            TenantResolver
	WebhookCredentials WebhookCredentials
	Log                *slog.Logger
	Now                func() time.Time
	CORSOrigins        []string         // browser origins allowed to read answers (CORS_ORIGINS)
	Metrics            *metrics.Emitter // one EMF record per request (metrics.go); nil writes none
}

// API holds the handlers' dependencies.
type API struct {
	svc         *domain.Service
	tenants     TenantResolver
	webhookAuth WebhookCredentials
	log         *slog.Logger
	now         func() time.Time
	corsOrigins []string
	metrics     *metrics.Emitter
}

// New builds the API.
func New(d Deps) *API {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &API{svc: d.Service, tenants: d.Tenants, webhookAuth: d.WebhookCredentials, log: d.Log, now: d.Now, corsOrigins: d.CORSOrigins, metrics: d.Metrics}
}
