// Package throttle computes the gateway's front throttles (API Gateway's stage method settings
// and the tenants' usage plans) from the stack's configuration, in plain Go: infra renders the
// plan into the template and local/apigw enforces the very same plan with token buckets, so the
// local stack throttles like the deployed one. The package depends on nothing of the CDK.
//
// What each route costs decides its limits (DESIGN.md, "Unico's budget is the system's scarce
// resource"):
//
//   - Routes that spend Unico's budget (CostUnico: creates, artefacts, the by-Client document
//     submission, the reusable-document list) get a stage method setting at the create share of
//     Unico's budget (CreateShare × unicoRateLimit, for every tenant together) and, in each
//     tenant's usage plan, a per-method throttle at the tenant's rateLimit/burstLimit. The
//     tenants' rateLimits must add up to at most the create share (Config.Validate), so that
//     on each such route the tenants together never take more than the share. API Gateway has
//     no bucket shared by several methods except a usage plan's own, which also counts reads;
//     the sum over routes is bounded by the fleet-wide budget inside the functions, not here.
//   - Every other tenant route (CostStore: reads, lists, redactions, replays of events) spends
//     only DynamoDB and takes the read rate: each tenant's usage plan throttles the tenant as a
//     whole at ReadRateLimit, and the stage's default (/*/*, which API Gateway applies to each
//     method separately) lets every tenant's read rate through. A read of a process with
//     ?include=documents spends Unico's budget but is the same API Gateway method as a plain
//     read (GET /v1/processes/{id}): API Gateway cannot tell them apart, so such reads take the
//     read rate at the front and only the functions' budget holds them.
//   - Unico's webhook target (CostWebhook) has its own stage method setting at WebhookRateLimit
//     and is in no usage plan (Unico sends no API key): tenants' traffic never starves it.
package throttle

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Cost is what a route spends.
type Cost int

const (
	CostStore   Cost = iota // DynamoDB only: the read rate
	CostUnico               // Unico's budget: the create share
	CostWebhook             // Unico's webhooks: a stage limit of its own
)

func (c Cost) String() string {
	switch c {
	case CostUnico:
		return "unico"
	case CostWebhook:
		return "webhook"
	}
	return "store"
}

// routeCosts lists the routes that are not CostStore, as "METHOD /path" (API Gateway paths).
// A new route that calls Unico on its request path gets one line here; a route missing from
// the table takes the read rate.
var routeCosts = map[string]Cost{
	"POST /v1/processes":                                     CostUnico, // creates (by Unico, by Client)
	"PUT /v1/processes/{id}/document":                        CostUnico, // by-Client document submission
	"GET /v1/documents":                                      CostUnico, // reusable documents, listed by Unico
	"GET /v1/processes/{id}/selfie":                          CostUnico, // artefacts, fetched from Unico on demand
	"GET /v1/processes/{id}/evidence-set":                    CostUnico,
	"GET /v1/processes/{id}/signed-documents/{documentId}":   CostUnico,
	"GET /v1/processes/{id}/signature-evidence/{documentId}": CostUnico,
	"POST /webhooks/unico":                                   CostWebhook,
}

// RouteCost returns what the route spends.
func RouteCost(method, path string) Cost { return routeCosts[strings.ToUpper(method)+" "+path] }

// CreateShare is the fraction of Unico's budget (unicoRateLimit) the routes that spend it may
// take at the front, all tenants together, on each such route. It MUST equal the create share of
// the fleet-wide Unico call budget inside the functions (shared/unicobudget: creates 0.4, webhook
// follow-ups 0.3, reads 0.2, sweeper 0.1): the front then lets through no more creates than the
// budget will grant permits for, and the rest of the budget stays with the worker, the read
// refreshes and the sweeper. A test ties the two constants together.
const CreateShare = 0.4

// Defaults of the context keys (infra/props.go).
const (
	DefaultUnicoRateLimit   = 10  // requests/s Unico accepts from the account
	DefaultReadRateLimit    = 200 // requests/s per tenant on the routes that spend no Unico budget
	DefaultWebhookRateLimit = 50  // requests/s on Unico's webhook target (recorded, read from Unico later)
)

// Limit is one token bucket as API Gateway throttles: Rate tokens per second, at most Burst.
type Limit struct {
	Rate  float64 `json:"rate"`
	Burst int     `json:"burst"`
}

// Burst2 is the burst the plan gives a rate of its own choosing: two seconds' worth, at least 1.
func Burst2(rate float64) int { return int(math.Max(1, math.Ceil(2*rate))) }

// MethodKey is API Gateway's name of one method in a usage plan's per-method throttles (and the
// CDK's stage method options): "/v1/processes/POST".
func MethodKey(method, path string) string { return path + "/" + strings.ToUpper(method) }

// Route is one API Gateway method.
type Route struct {
	Method, Path string
	APIKey       bool // in the tenants' usage plans (the caller presents a tenant's API key)
}

// Tenant is one tenant's share: its rate on each route that spends Unico's budget.
type Tenant struct {
	Name       string
	RateLimit  float64 // requests/s on each CostUnico route
	BurstLimit int
}

// Config is what the plan is computed from (infra.GatewayStackProps.ThrottleConfig).
type Config struct {
	UnicoRateLimit   float64 // Unico's budget, requests/s for the account
	ReadRateLimit    float64 // per tenant, the routes that spend no Unico budget
	WebhookRateLimit float64
	Tenants          []Tenant
	Routes           []Route
}

// TenantPlan is one tenant's usage plan.
type TenantPlan struct {
	Name    string
	Overall Limit            // the usage plan's Throttle: the tenant as a whole
	Methods map[string]Limit // apiStages[].throttle, by MethodKey
}

// Plan is every front throttle of the stack.
type Plan struct {
	Stage   Limit            // the stage default (/*/*): each method without a setting of its own, separately
	Methods map[string]Limit // the stage's method settings, by MethodKey
	Tenants []TenantPlan     // in Config.Tenants' order
}

// CreateShareRate is the create share of Unico's budget in requests/s.
func (c Config) CreateShareRate() float64 { return CreateShare * c.UnicoRateLimit }

// Validate reports limits that do not add up; every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	if !positive(c.ReadRateLimit) {
		bad("readRateLimit %g: want > 0 requests/s", c.ReadRateLimit)
	}
	if !positive(c.WebhookRateLimit) {
		bad("webhookRateLimit %g: want > 0 requests/s", c.WebhookRateLimit)
	}
	if !positive(c.UnicoRateLimit) {
		return errors.Join(errs...) // reported by the caller (unicoRateLimit must be > 0)
	}
	var sum float64
	for _, t := range c.Tenants {
		sum += t.RateLimit
		if positive(c.ReadRateLimit) && t.RateLimit > c.ReadRateLimit {
			bad("tenant %q: rateLimit %g is over readRateLimit %g, which throttles the tenant as a whole", t.Name, t.RateLimit, c.ReadRateLimit)
		}
	}
	if share := c.CreateShareRate(); sum > share+1e-9 {
		bad("tenants' rateLimits (each tenant's rate on every route that calls Unico) add up to %g requests/s, "+
			"over the create share of Unico's budget, %g requests/s (%g × unicoRateLimit %g): lower them or raise unicoRateLimit",
			sum, share, CreateShare, c.UnicoRateLimit)
	}
	return errors.Join(errs...)
}

// Compute returns the plan for c (validated or not: Compute does not check).
func Compute(c Config) Plan {
	p := Plan{
		Stage:   Limit{Rate: c.ReadRateLimit * float64(max(1, len(c.Tenants))), Burst: Burst2(c.ReadRateLimit * float64(max(1, len(c.Tenants))))},
		Methods: map[string]Limit{},
	}
	share := c.CreateShareRate()
	var unicoRoutes []string
	for _, r := range c.Routes {
		k := MethodKey(r.Method, r.Path)
		switch RouteCost(r.Method, r.Path) {
		case CostUnico:
			p.Methods[k] = Limit{Rate: share, Burst: Burst2(share)}
			if r.APIKey {
				unicoRoutes = append(unicoRoutes, k)
			}
		case CostWebhook:
			p.Methods[k] = Limit{Rate: c.WebhookRateLimit, Burst: Burst2(c.WebhookRateLimit)}
		}
	}
	sort.Strings(unicoRoutes)
	for _, t := range c.Tenants {
		tp := TenantPlan{Name: t.Name, Overall: Limit{Rate: c.ReadRateLimit, Burst: Burst2(c.ReadRateLimit)}, Methods: map[string]Limit{}}
		for _, k := range unicoRoutes {
			tp.Methods[k] = Limit{Rate: t.RateLimit, Burst: t.BurstLimit}
		}
		p.Tenants = append(p.Tenants, tp)
	}
	return p
}

// Tenant returns the named tenant's plan.
func (p Plan) Tenant(name string) (TenantPlan, bool) {
	for _, t := range p.Tenants {
		if t.Name == name {
			return t, true
		}
	}
	return TenantPlan{}, false
}

// MethodLimit is the stage's limit on one method: its own setting, else the stage default.
func (p Plan) MethodLimit(method, path string) Limit {
	if l, ok := p.Methods[MethodKey(method, path)]; ok {
		return l
	}
	return p.Stage
}
