package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
	"github.com/unicogw/gateway/shared/outbound"
	"github.com/unicogw/gateway/shared/secrets"
	"github.com/unicogw/gateway/shared/workers"
)

// AsyncConfig configures the asynchronous side: the sweeper and the outbound events. Read from:
//
//	SWEEP_AFTER         first sweeper check of an open process after its creation (Go duration, default 15m)
//	SWEEP_RATE          Unico reads per second the sweeper may make (default 1)
//	SWEEP_MAX_PER_RUN   processes the sweeper checks per run (default 100)
//	TENANT_CALLBACKS    JSON [{"tenant":"...","url":"https://...","secretId":"<Secrets Manager id>"}]:
//	                    where each tenant receives its events and the secret holding its signing key
//	OUTBOUND_BACKOFF    pauses between delivery attempts, e.g. "5s,5m,30m,2h,5h,10h,10h" (the default)
type AsyncConfig struct {
	SweepAfter      time.Duration
	SweepRate       float64
	SweepMax        int
	Callbacks       []TenantCallback
	OutboundBackoff []time.Duration
}

// TenantCallback is one tenant's outbound configuration.
type TenantCallback struct {
	Tenant   string `json:"tenant"`
	URL      string `json:"url"`
	SecretID string `json:"secretId"`
}

func (a *AsyncConfig) fromEnv(getenv func(string) string) error {
	a.SweepAfter, a.SweepRate, a.SweepMax = domain.DefaultSweepAfter, 1, 100
	if v := getenv("SWEEP_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("configuration: SWEEP_AFTER must be a positive Go duration such as 15m")
		}
		a.SweepAfter = d
	}
	if v := getenv("SWEEP_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) {
			return fmt.Errorf("configuration: SWEEP_RATE must be a number of requests per second > 0")
		}
		a.SweepRate = f
	}
	if v := getenv("SWEEP_MAX_PER_RUN"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("configuration: SWEEP_MAX_PER_RUN must be a whole number >= 1")
		}
		a.SweepMax = n
	}
	if v := getenv("TENANT_CALLBACKS"); v != "" {
		if err := json.Unmarshal([]byte(v), &a.Callbacks); err != nil {
			return fmt.Errorf("configuration: TENANT_CALLBACKS must be a JSON list of {tenant, url, secretId}")
		}
	}
	for _, c := range a.Callbacks {
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return fmt.Errorf("configuration: TENANT_CALLBACKS: the url of tenant %q must be an http(s) URL without credentials", c.Tenant)
		}
		if c.Tenant == "" || c.SecretID == "" {
			return fmt.Errorf("configuration: TENANT_CALLBACKS: every entry needs tenant and secretId")
		}
	}
	if v := getenv("OUTBOUND_BACKOFF"); v != "" {
		a.OutboundBackoff = nil
		for _, part := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(part))
			if err != nil || d < 0 {
				return fmt.Errorf("configuration: OUTBOUND_BACKOFF must be a comma-separated list of Go durations")
			}
			a.OutboundBackoff = append(a.OutboundBackoff, d)
		}
	}
	return nil
}

// withDefaults fills what a Config built in code (the local stack) left empty.
func (a AsyncConfig) withDefaults() AsyncConfig {
	if a.SweepAfter <= 0 {
		a.SweepAfter = domain.DefaultSweepAfter
	}
	if !(a.SweepRate > 0) {
		a.SweepRate = 1
	}
	if a.SweepMax <= 0 {
		a.SweepMax = 100
	}
	return a
}

// callbacks is the domain's view of TENANT_CALLBACKS.
func (a AsyncConfig) callbacks() domain.Callbacks {
	m := map[string]domain.Callback{}
	for _, c := range a.Callbacks {
		m[c.Tenant] = domain.Callback{URL: c.URL}
	}
	return func(tenant string) (domain.Callback, bool) {
		c, ok := m[tenant]
		return c, ok
	}
}

// withAsync adds the asynchronous ports to the service's dependencies: the DynamoDB store
// implements them all.
func withAsync(d *domain.Deps, cfg Config, store *dynamostore.Store, m domain.Metrics) {
	d.Deliveries, d.Outbox, d.Sweeps, d.Callbacks, d.Metrics = store, store, store, cfg.Async.callbacks(), m
}

// newNotifier builds the outbound side: signing secrets from Secrets Manager (one per tenant),
// the HTTP sender, the domain's notifier. It makes no network call.
func newNotifier(cfg Config, getter secrets.Getter, store *dynamostore.Store, m domain.Metrics, log *slog.Logger, now func() time.Time) *domain.Notifier {
	ids := map[string]string{}
	for _, c := range cfg.Async.Callbacks {
		ids[c.Tenant] = c.SecretID
	}
	sender := outbound.NewSender(nil, outbound.SecretsFromManager(getter, ids, cfg.SecretsTTL), now)
	return domain.NewNotifier(store, sender, cfg.Async.callbacks(), domain.NotifierConfig{
		Backoff: cfg.Async.OutboundBackoff, Now: now, Log: log, Metrics: m,
	})
}

var _ secrets.Getter = (*secretsmanager.Client)(nil)

// Handlers of the asynchronous functions, as Lambda (and the local stack) invoke them.

// WorkerHandler is the worker function's handler.
func (g *Gateway) WorkerHandler() workers.StreamHandler {
	return workers.Worker(g.Service, workers.WorkerOptions{Log: g.Log})
}

// SweeperHandler is the sweeper function's handler.
func (g *Gateway) SweeperHandler() func(context.Context, events.EventBridgeEvent) (domain.SweepReport, error) {
	return workers.Sweeper(g.Service, workers.SweeperOptions{Max: g.Config.Async.SweepMax, Rate: g.Config.Async.SweepRate})
}

// NotifierHandler is the notifier function's handler (stream records and schedule).
func (g *Gateway) NotifierHandler() func(context.Context, json.RawMessage) (any, error) {
	return workers.NotifierHandler(g.Notifier, 100, g.Log)
}

// RunWorker, RunSweeper and RunNotifier build the gateway from the environment and serve one
// asynchronous function on the Lambda Runtime API. They do not return.
func RunWorker()   { lambda.Start(mustFromEnv().WorkerHandler()) }
func RunSweeper()  { lambda.Start(mustFromEnv().SweeperHandler()) }
func RunNotifier() { lambda.Start(mustFromEnv().NotifierHandler()) }

func mustFromEnv() *Gateway {
	gw, err := FromEnv(context.Background())
	if err != nil {
		Fatal(err)
	}
	return gw
}
