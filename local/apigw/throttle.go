package apigw

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/unicogw/gateway/infra/throttle"
	"github.com/unicogw/gateway/shared/httpapi"
)

// Option configures the stand-in.
type Option func(*Gateway)

// WithThrottle makes the stand-in throttle as the deployed stack does, with the very plan infra
// renders into the template (infra/throttle, computed from the same configuration): each method's
// stage limit (the stage default, applied to each method separately, or the method's own
// setting), and for requests with a tenant's API key that tenant's usage plan, as a whole and per
// method. A request over any of them is answered 429 with the THROTTLED gateway response and
// takes no token from any bucket. Every key must then name a tenant of the plan (Key.Tenant):
// API Gateway refuses a key that is in no usage plan of the stage. Quotas are not applied.
func WithThrottle(plan throttle.Plan) Option {
	return func(g *Gateway) { g.throttle = newThrottler(plan) }
}

// WithClock sets the throttle's clock (tests); default time.Now.
func WithClock(now func() time.Time) Option {
	return func(g *Gateway) { g.now = now }
}

// ThrottleRoutes are the routes in infra/throttle's terms, for a throttle.Config.
func ThrottleRoutes(routes []httpapi.Route) []throttle.Route {
	out := make([]throttle.Route, len(routes))
	for i, r := range routes {
		out[i] = throttle.Route{Method: r.Method, Path: r.Path, APIKey: r.APIKey}
	}
	return out
}

// bucket is API Gateway's token bucket: Rate tokens a second up to Burst, full at first.
type bucket struct {
	limit  throttle.Limit
	tokens float64
	last   time.Time
}

func (b *bucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.tokens, b.last = float64(b.limit.Burst), now
		return
	}
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = math.Min(float64(b.limit.Burst), b.tokens+d*b.limit.Rate)
		b.last = now
	}
}

type throttler struct {
	plan throttle.Plan
	mu   sync.Mutex
	// stage: one bucket per method (API Gateway applies the stage default to each method
	// separately); tenants: the usage plan's overall bucket under "", its per-method ones by key.
	stage   map[string]*bucket
	tenants map[string]map[string]*bucket
}

func newThrottler(plan throttle.Plan) *throttler {
	t := &throttler{plan: plan, stage: map[string]*bucket{}, tenants: map[string]map[string]*bucket{}}
	for _, tp := range plan.Tenants {
		m := map[string]*bucket{"": {limit: tp.Overall}}
		for k, l := range tp.Methods {
			m[k] = &bucket{limit: l}
		}
		t.tenants[tp.Name] = m
	}
	return t
}

func (t *throttler) hasTenant(name string) bool { _, ok := t.tenants[name]; return ok }

// allow takes one token from every bucket the request passes through, or none if one is empty.
func (t *throttler) allow(now time.Time, route httpapi.Route, tenant string) bool {
	key := throttle.MethodKey(route.Method, route.Path)
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.stage[key]
	if !ok {
		st = &bucket{limit: t.plan.MethodLimit(route.Method, route.Path)}
		t.stage[key] = st
	}
	buckets := []*bucket{st}
	if tenant != "" {
		tb := t.tenants[tenant]
		buckets = append(buckets, tb[""])
		if b, ok := tb[key]; ok {
			buckets = append(buckets, b)
		}
	}
	for _, b := range buckets {
		if b.refill(now); b.tokens < 1 {
			return false
		}
	}
	for _, b := range buckets {
		b.tokens--
	}
	return true
}

func (t *throttler) checkKeys(keys []Key) {
	for _, k := range keys {
		if !t.hasTenant(k.Tenant) {
			panic(fmt.Sprintf("apigw: key %s names tenant %q, which has no usage plan in the throttle plan", k.ID, k.Tenant))
		}
	}
}
