// Package infra is the gateway's AWS CDK stack: the DynamoDB table, the credentials and token
// secrets, the three API Lambda functions and the token refresher, the REST API with one API key
// and usage plan per tenant, alarms, and the asynchronous side (async.go: worker, sweeper,
// notifier, stream mappings, schedules).
//
// # Context keys
//
// The CDK app (infra/app) fills GatewayStackProps from the CDK context, so that operators
// configure a deployment in cdk.json (or with `cdk deploy -c key=value`) and never edit Go.
// cdk.json is JSON and cannot carry comments, so every key is described here. Values given
// with -c arrive as strings; numbers, booleans and JSON lists are parsed from them.
//
//	unicoEnvironment    "uat" (default) or "production": picks the default Unico hosts below.
//	unicoAuthUrl        Unico's token endpoint host (the JWT assertion is exchanged there).
//	                    uat https://identityhomolog.acesso.io, production https://identity.acesso.io
//	unicoByUnicoUrl     by-Unico (hosted journey) API host.
//	                    uat https://api.cadastro.uat.unico.app, production https://api.cadastro.unico.app
//	unicoByClientUrl    by-Client (SDK) API host.
//	                    uat https://api.id.uat.unico.app, production https://api.id.unico.app
//	unicoSignUrl        Unico Sign host (signed documents and their evidence).
//	                    uat https://signhom.acesso.io, production https://sign.acesso.io
//	unicoSignEvidencePath  optional path of GetEvidenceSign on unicoSignUrl, with {documentId}
//	                    (default /api/v1/service/evidence/{documentId}; Unico's documentation does
//	                    not confirm it, so ask Unico and set it here).
//	minRiskScore        optional risk score at or above which an inconclusive identity is
//	                    approved (default 50; Unico's scores run from -100 to +100).
//	tenants             JSON list, one entry per app backend (at least one); each gets an API key
//	                    and a usage plan:
//	                    [{"name":"default","rateLimit":5,"burstLimit":10,"quotaLimit":100000,"quotaPeriod":"MONTH"}]
//	                    name: 1-40 of a-z, 0-9 and '-', starting with a letter or digit; it is the
//	                    tenant id the functions see. rateLimit: requests/s (steady state), burstLimit:
//	                    requests (bucket size), quotaLimit: requests per quotaPeriod (DAY, WEEK or
//	                    MONTH; 0 = no quota). The rateLimits of all tenants must add up to at most
//	                    unicoRateLimit. callbackUrl (optional, https): where the tenant's backend
//	                    receives a signed event when one of its verifications is final; the stack
//	                    then creates the tenant's signing secret (output OutboundSecretArn<Tenant>).
//	readRefreshSeconds  a read of an open verification asks Unico again after this many seconds, once
//	                    for all readers (default 5, 1-3600; 0 takes the default); a final one is never read again.
//	retentionDays       days a finished process is kept before DynamoDB's TTL removes it (default 180).
//	unicoRateLimit      requests/s Unico accepts from this gateway (default 10). It is the stage-wide
//	                    throttle and the budget the tenants' usage plans share (see apiThrottle).
//	alarmEmail          optional e-mail address subscribed to the alarm topic (confirm the e-mail
//	                    AWS sends after the deploy).
//	corsOrigins         optional JSON list of browser origins allowed by CORS on /v1 (default none:
//	                    app backends call the API server to server, so no CORS).
//	wafWebAclArn        optional ARN of a regional WAFv2 web ACL to associate with the API stage.
//	logRetentionDays    retention of the function and access logs, one of CloudWatch's values
//	                    (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
//	                    2192, 2557, 2922, 3288, 3653; 0 = never expire). Default 30.
//	buildDir            directory holding <function>/bootstrap, built by scripts/build-lambdas.sh
//	                    (default "build", relative to the directory cdk runs in).
//	memorySize          Lambda memory in MB for every function (default 256).
//	logLevel            LOG_LEVEL for the functions and Lambda's JSON log filter: DEBUG, INFO (default),
//	                    WARN or ERROR.
//	apiGatewayCloudWatchRole  true (default): the stack sets the account's API Gateway CloudWatch
//	                    role, which access logging needs (the role is retained when the stack is
//	                    deleted). Set false when the account already has one managed elsewhere.
//	awsEndpointUrl      optional AWS_ENDPOINT_URL given to every function, for LocalStack only
//	                    (e.g. http://localhost.localstack.cloud:4566, see docs/sam-and-localstack.md): the
//	                    AWS SDK then sends DynamoDB and Secrets Manager calls there. Never set it
//	                    for AWS.
//	sweepAfterMinutes   the sweeper first asks Unico about an open verification this many minutes
//	                    after its creation (default 15), then less and less often, and just after
//	                    its expiry at Unico: a lost webhook never leaves a verification open.
//	sweepRatePerSecond  Unico reads per second the sweeper may make (default 1); it shares the
//	                    headroom unicoRateLimit leaves above the tenants' rateLimits with the
//	                    webhooks' reads. At most unicoRateLimit.
//	samLocal            true only for `sam local` (make sam-api / sam-invoke): every function also
//	                    declares, empty, the variables the sam local env file sets (SAMLocalVariables:
//	                    the DynamoDB and Secrets Manager endpoints, the audience, the tenant of
//	                    requests without an API key), because sam local overrides only variables
//	                    the template declares. Never deploy a template synthesized with it.
//	stackName           name of the stack (default UnicoGateway; read by infra/app only), e.g.
//	                    -c stackName=UnicoGatewayStaging for a second copy in the same account.
package infra

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Unico environments.
const (
	EnvUAT        = "uat"
	EnvProduction = "production"
)

// UnicoHosts are the base URLs of Unico's APIs, without a trailing slash.
type UnicoHosts struct {
	AuthURL     string // token endpoint host
	ByUnicoURL  string // hosted journey (by Unico)
	ByClientURL string // SDK integration (by Client)
	SignURL     string // Unico Sign
}

// DefaultUnicoHosts returns the hosts Unico documents for env ("uat" or "production").
func DefaultUnicoHosts(env string) UnicoHosts {
	if env == EnvProduction {
		return UnicoHosts{
			AuthURL:     "https://identity.acesso.io",
			ByUnicoURL:  "https://api.cadastro.unico.app",
			ByClientURL: "https://api.id.unico.app",
			SignURL:     "https://sign.acesso.io",
		}
	}
	return UnicoHosts{
		AuthURL:     "https://identityhomolog.acesso.io",
		ByUnicoURL:  "https://api.cadastro.uat.unico.app",
		ByClientURL: "https://api.id.uat.unico.app",
		SignURL:     "https://signhom.acesso.io",
	}
}

// Tenant is one app backend: it gets its own API key and usage plan.
type Tenant struct {
	Name        string  `json:"name"`
	RateLimit   float64 `json:"rateLimit"`   // requests per second, steady state
	BurstLimit  int     `json:"burstLimit"`  // requests, token-bucket size
	QuotaLimit  int     `json:"quotaLimit"`  // requests per QuotaPeriod; 0 = no quota
	QuotaPeriod string  `json:"quotaPeriod"` // DAY, WEEK or MONTH

	// CallbackURL (optional, https) receives the tenant's signed events (infra/async.go).
	CallbackURL string `json:"callbackUrl,omitempty"`
}

// GatewayStackProps configures NewGatewayStack. Zero values take the defaults documented at the
// top of this file (see WithDefaults).
type GatewayStackProps struct {
	BuildDir         string
	UnicoEnvironment string
	UnicoHosts       UnicoHosts // each empty field takes the environment's default
	Tenants          []Tenant
	RetentionDays    int
	UnicoRateLimit   float64
	AlarmEmail       string
	CorsOrigins      []string
	WafWebAclArn     string
	LogRetentionDays int // 0 takes the default (30); NeverExpireLogs keeps logs forever
	MemorySize       int
	LogLevel         string
	// ApiGatewayCloudWatchRole: nil or true lets the stack set the account's API Gateway
	// CloudWatch role (needed by access logging).
	ApiGatewayCloudWatchRole *bool
	// AWSEndpointURL is set as AWS_ENDPOINT_URL on every function (LocalStack only).
	AWSEndpointURL string

	// UnicoSignEvidencePath and MinRiskScore: "" and nil keep the functions' defaults.
	UnicoSignEvidencePath string
	MinRiskScore          *float64
	// ReadRefreshSeconds: 0 takes DefaultReadRefreshSeconds.
	ReadRefreshSeconds int

	SweepAfterMinutes  int     // default DefaultSweepAfterMinutes
	SweepRatePerSecond float64 // default DefaultSweepRatePerSecond

	// SAMLocal declares SAMLocalVariables on every function (samlocal.go); sam local only.
	SAMLocal bool
}

// NeverExpireLogs is the LogRetentionDays value for logs that never expire (context value 0).
const NeverExpireLogs = -1

// Defaults.
const (
	DefaultBuildDir      = "build"
	DefaultRetentionDays = 180
	// DefaultReadRefreshSeconds is domain.DefaultReadRefresh in seconds.
	DefaultReadRefreshSeconds = 5
	DefaultUnicoRateLimit     = 10
	DefaultLogRetentionDays   = 30
	DefaultMemorySize         = 256
	DefaultLogLevel           = "INFO"

	DefaultSweepAfterMinutes  = 15
	DefaultSweepRatePerSecond = 1
)

// DefaultTenant is used when no tenant is configured.
var DefaultTenant = Tenant{Name: "default", RateLimit: 5, BurstLimit: 10, QuotaLimit: 100000, QuotaPeriod: "MONTH"}

// WithDefaults returns a copy of p with every unset field set to its default.
func (p GatewayStackProps) WithDefaults() GatewayStackProps {
	if p.ReadRefreshSeconds == 0 {
		p.ReadRefreshSeconds = DefaultReadRefreshSeconds
	}
	if p.BuildDir == "" {
		p.BuildDir = DefaultBuildDir
	}
	if p.UnicoEnvironment == "" {
		p.UnicoEnvironment = EnvUAT
	}
	def := DefaultUnicoHosts(p.UnicoEnvironment)
	for _, h := range []struct{ v, d *string }{
		{&p.UnicoHosts.AuthURL, &def.AuthURL}, {&p.UnicoHosts.ByUnicoURL, &def.ByUnicoURL},
		{&p.UnicoHosts.ByClientURL, &def.ByClientURL}, {&p.UnicoHosts.SignURL, &def.SignURL},
	} {
		if *h.v == "" {
			*h.v = *h.d
		}
		*h.v = strings.TrimRight(*h.v, "/")
	}
	if len(p.Tenants) == 0 {
		p.Tenants = []Tenant{DefaultTenant}
	} else {
		p.Tenants = append([]Tenant(nil), p.Tenants...)
		for i := range p.Tenants {
			if p.Tenants[i].QuotaPeriod == "" {
				p.Tenants[i].QuotaPeriod = "MONTH"
			}
			p.Tenants[i].QuotaPeriod = strings.ToUpper(p.Tenants[i].QuotaPeriod)
		}
	}
	if p.RetentionDays == 0 {
		p.RetentionDays = DefaultRetentionDays
	}
	if p.UnicoRateLimit == 0 {
		p.UnicoRateLimit = DefaultUnicoRateLimit
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = DefaultLogRetentionDays
	}
	if p.MemorySize == 0 {
		p.MemorySize = DefaultMemorySize
	}
	if p.LogLevel == "" {
		p.LogLevel = DefaultLogLevel
	}
	p.LogLevel = strings.ToUpper(p.LogLevel)
	if p.ApiGatewayCloudWatchRole == nil {
		p.ApiGatewayCloudWatchRole = jsii.Bool(true)
	}
	if p.SweepAfterMinutes == 0 {
		p.SweepAfterMinutes = DefaultSweepAfterMinutes
	}
	if p.SweepRatePerSecond == 0 {
		p.SweepRatePerSecond = DefaultSweepRatePerSecond
	}
	return p
}

var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// Validate checks props that WithDefaults has completed; it reports every problem at once.
func (p GatewayStackProps) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.UnicoEnvironment != EnvUAT && p.UnicoEnvironment != EnvProduction {
		bad("unicoEnvironment %q: want %q or %q", p.UnicoEnvironment, EnvUAT, EnvProduction)
	}
	for name, v := range map[string]string{"unicoAuthUrl": p.UnicoHosts.AuthURL, "unicoByUnicoUrl": p.UnicoHosts.ByUnicoURL,
		"unicoByClientUrl": p.UnicoHosts.ByClientURL, "unicoSignUrl": p.UnicoHosts.SignURL} {
		// Unico is reached over HTTPS only; a plain-http host would send credentials in clear.
		// The one exception is a LocalStack deployment (awsEndpointUrl set), whose functions may
		// call the Unico simulator on the developer's machine.
		u, err := url.Parse(v)
		localHTTP := p.AWSEndpointURL != "" && err == nil && u.Scheme == "http"
		if err != nil || (u.Scheme != "https" && !localHTTP) || u.Host == "" {
			bad("%s %q: want an https:// URL", name, v)
		}
	}
	if len(p.Tenants) == 0 {
		bad("tenants: at least one tenant is required")
	}
	if u, err := url.Parse(p.AWSEndpointURL); p.AWSEndpointURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		bad("awsEndpointUrl %q: want an http(s) URL such as http://localhost.localstack.cloud:4566", p.AWSEndpointURL)
	}
	if v := p.UnicoSignEvidencePath; v != "" && (!strings.HasPrefix(v, "/") || !strings.Contains(v, "{documentId}")) {
		bad("unicoSignEvidencePath %q: want a path starting with / that contains {documentId}", v)
	}
	if v := p.MinRiskScore; v != nil && (*v < -100 || *v > 100 || math.IsNaN(*v)) {
		bad("minRiskScore %v: want a number between -100 and 100", *v)
	}
	if v := p.ReadRefreshSeconds; v < 1 || v > 3600 {
		bad("readRefreshSeconds %d: want a whole number of seconds between 1 and 3600", v)
	}
	seen := map[string]bool{}
	var rateSum float64
	for _, t := range p.Tenants {
		if !tenantName.MatchString(t.Name) {
			bad("tenant %q: name must match %s", t.Name, tenantName)
		}
		if id := constructID(t.Name); seen[id] {
			bad("tenant %q: duplicate name", t.Name)
		} else {
			seen[id] = true
		}
		if !(t.RateLimit > 0) || math.IsInf(t.RateLimit, 0) {
			bad("tenant %q: rateLimit must be > 0", t.Name)
		}
		if t.BurstLimit < 1 {
			bad("tenant %q: burstLimit must be >= 1", t.Name)
		}
		if t.QuotaLimit < 0 {
			bad("tenant %q: quotaLimit must be >= 0 (0 = no quota)", t.Name)
		}
		switch t.QuotaPeriod {
		case "DAY", "WEEK", "MONTH":
		default:
			bad("tenant %q: quotaPeriod %q: want DAY, WEEK or MONTH", t.Name, t.QuotaPeriod)
		}
		rateSum += t.RateLimit
		if t.CallbackURL != "" {
			if u, err := url.Parse(t.CallbackURL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
				bad("tenant %q: callbackUrl %q: want an https:// URL without credentials", t.Name, t.CallbackURL)
			}
		}
	}
	if !(p.UnicoRateLimit > 0) || math.IsInf(p.UnicoRateLimit, 0) {
		bad("unicoRateLimit must be > 0")
	} else if rateSum > p.UnicoRateLimit+1e-9 {
		bad("tenants' rateLimits add up to %g requests/s, over unicoRateLimit %g: lower them or raise unicoRateLimit", rateSum, p.UnicoRateLimit)
	}
	if p.RetentionDays < 1 {
		bad("retentionDays must be >= 1")
	}
	if _, ok := logRetention[p.LogRetentionDays]; !ok {
		bad("logRetentionDays %d: not a CloudWatch Logs retention value", p.LogRetentionDays)
	}
	if p.MemorySize < 128 || p.MemorySize > 10240 {
		bad("memorySize %d: want 128..10240 MB", p.MemorySize)
	}
	if _, ok := appLogLevel[p.LogLevel]; !ok {
		bad("logLevel %q: want DEBUG, INFO, WARN or ERROR", p.LogLevel)
	}
	for _, o := range p.CorsOrigins {
		if o == "" || o == "*" {
			bad("corsOrigins: %q is not allowed, list the origins", o)
		}
	}
	if p.AlarmEmail != "" && !strings.Contains(p.AlarmEmail, "@") {
		bad("alarmEmail %q: not an e-mail address", p.AlarmEmail)
	}
	if p.WafWebAclArn != "" && !strings.HasPrefix(p.WafWebAclArn, "arn:") {
		bad("wafWebAclArn %q: not an ARN", p.WafWebAclArn)
	}
	if p.BuildDir == "" {
		bad("buildDir is empty")
	}
	if p.SweepAfterMinutes < 1 || p.SweepAfterMinutes > 24*60 {
		bad("sweepAfterMinutes %d: want 1..1440", p.SweepAfterMinutes)
	}
	if !(p.SweepRatePerSecond > 0) || p.SweepRatePerSecond > p.UnicoRateLimit {
		bad("sweepRatePerSecond %g: want > 0 and at most unicoRateLimit", p.SweepRatePerSecond)
	}
	return errors.Join(errs...)
}

// PropsFromContext reads the context keys documented at the top of this file from scope's
// node (an App carrying cdk.json's context), applies the defaults and validates the result.
func PropsFromContext(scope constructs.Construct) (*GatewayStackProps, error) {
	node := scope.Node()
	var p GatewayStackProps
	var errs []error
	get := func(key string, into any) {
		v := node.TryGetContext(jsii.String(key))
		if v == nil {
			return
		}
		if err := decodeContext(v, into); err != nil {
			errs = append(errs, fmt.Errorf("context %s: %w", key, err))
		}
	}
	var logRetentionDays *int
	get("buildDir", &p.BuildDir)
	get("unicoEnvironment", &p.UnicoEnvironment)
	get("unicoAuthUrl", &p.UnicoHosts.AuthURL)
	get("unicoByUnicoUrl", &p.UnicoHosts.ByUnicoURL)
	get("unicoByClientUrl", &p.UnicoHosts.ByClientURL)
	get("unicoSignUrl", &p.UnicoHosts.SignURL)
	get("unicoSignEvidencePath", &p.UnicoSignEvidencePath)
	get("minRiskScore", &p.MinRiskScore)
	get("readRefreshSeconds", &p.ReadRefreshSeconds)
	get("tenants", &p.Tenants)
	get("retentionDays", &p.RetentionDays)
	get("unicoRateLimit", &p.UnicoRateLimit)
	get("alarmEmail", &p.AlarmEmail)
	get("corsOrigins", &p.CorsOrigins)
	get("wafWebAclArn", &p.WafWebAclArn)
	get("logRetentionDays", &logRetentionDays)
	get("memorySize", &p.MemorySize)
	get("logLevel", &p.LogLevel)
	get("apiGatewayCloudWatchRole", &p.ApiGatewayCloudWatchRole)
	get("awsEndpointUrl", &p.AWSEndpointURL)
	get("sweepAfterMinutes", &p.SweepAfterMinutes)
	get("sweepRatePerSecond", &p.SweepRatePerSecond)
	get("samLocal", &p.SAMLocal)
	if logRetentionDays != nil {
		p.LogRetentionDays = *logRetentionDays
		if p.LogRetentionDays == 0 {
			p.LogRetentionDays = NeverExpireLogs
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// decodeContext converts a context value into into. Values from cdk.json arrive typed (numbers,
// lists, objects); values from `-c key=value` arrive as strings, which are parsed as JSON when
// the target is not a string ("365", "true", `[{"name":"a",...}]`).
func decodeContext(v any, into any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if s, ok := v.(string); ok {
		if _, isString := into.(*string); !isString {
			raw = []byte(s)
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}
