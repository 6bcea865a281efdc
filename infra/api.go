package infra

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra/throttle"
)

// StageName is the API's only stage. The routes carry their own version (/v1/...), so the stage
// is not a version: https://<api>.execute-api.<region>.amazonaws.com/api/v1/processes.
const StageName = "api"

const webhookPath = "/webhooks/unico"

// Route is one public route and the function that serves it.
type Route struct {
	Method   string
	Path     string
	Function string
	APIKey   bool // the caller must present its tenant's API key (x-api-key)
}

// Routes is the public API as API Gateway exposes it. shared/httpapi.Routes is the handlers'
// side of the same table; template-tests check that the two agree.
var Routes = []Route{
	{"POST", "/v1/processes", FunctionCreate, true},
	{"GET", "/v1/processes", FunctionGet, true},
	{"GET", "/v1/processes/{id}", FunctionGet, true},
	{"GET", "/v1/processes/{id}/selfie", FunctionGet, true},
	{"GET", "/v1/processes/{id}/evidence-set", FunctionGet, true},
	{"GET", "/v1/processes/{id}/signed-documents/{documentId}", FunctionGet, true},
	{"GET", "/v1/processes/{id}/signature-evidence/{documentId}", FunctionGet, true},
	{"PUT", "/v1/processes/{id}/document", FunctionCreate, true},
	{"POST", "/v1/processes/{id}/redact", FunctionCreate, true},
	{"POST", "/v1/processes/{id}/notifications", FunctionCreate, true},
	{"POST", "/v1/processes/{id}/review", FunctionCreate, true},
	{"GET", "/v1/documents", FunctionGet, true},
	// Unico authenticates itself (Basic or API key, as configured at Unico); the webhook
	// function checks those credentials in constant time. Unico cannot send our API key.
	{"POST", webhookPath, FunctionWebhook, false},
}

type tenantResources struct {
	tenant Tenant
	key    awsapigateway.IApiKey
	plan   awsapigateway.UsagePlan
}

type gatewayAPI struct {
	p          GatewayStackProps
	plan       throttle.Plan
	api        awsapigateway.RestApi
	methods    map[string]awsapigateway.Method // by throttle.MethodKey, filled by addRoutes
	accessLogs awslogs.ILogGroup               // the metric filter of API Gateway's 429s reads it (observability.go)
	tenants    []tenantResources
	tenantKeys *string // TENANT_KEYS, a JSON list resolved at deploy time
}

// The front throttles follow what each route costs (infra/throttle, computed from the props by
// GatewayStackProps.ThrottlePlan; local/apigw enforces the very same plan):
//   - the stage's default (/*/*), which API Gateway applies to each method separately, lets every
//     tenant's read rate through (readRateLimit × tenants);
//   - each route that spends Unico's budget (creates, the by-Client document submission,
//     artefacts, the document list) has a stage method setting at the create share of it
//     (throttle.CreateShare × unicoRateLimit, every tenant together), and each tenant's usage
//     plan a per-method throttle there at the tenant's rateLimit; the tenants' rateLimits add up
//     to at most the share (Validate);
//   - GET /v1/processes/{id}?include=documents spends Unico's budget too, but API Gateway cannot
//     tell it from a plain read of the same method: it takes the read rate at the front, and only
//     the functions' fleet-wide budget (shared/unicobudget) holds it;
//   - each tenant's usage plan throttles the tenant as a whole at readRateLimit;
//   - Unico's webhook target has a stage method setting of its own (webhookRateLimit) and is in
//     no usage plan: tenants' traffic never takes its share.
func stageMethodOptions(plan throttle.Plan) *map[string]*awsapigateway.MethodDeploymentOptions {
	out := map[string]*awsapigateway.MethodDeploymentOptions{}
	for key, l := range plan.Methods {
		out[key] = &awsapigateway.MethodDeploymentOptions{
			ThrottlingRateLimit:  jsii.Number(l.Rate),
			ThrottlingBurstLimit: jsii.Number(float64(l.Burst)),
			// As the stage default: no execution logs, no data trace (personal data).
			LoggingLevel:     awsapigateway.MethodLoggingLevel_OFF,
			DataTraceEnabled: jsii.Bool(false),
		}
	}
	return &out
}

func newAPI(stack awscdk.Stack, p GatewayStackProps) *gatewayAPI {
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: logRetention[p.LogRetentionDays],
	})
	plan := p.ThrottlePlan()
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
		RestApiName: stack.StackName(),
		Description: jsii.String("Unico IDCloud gateway: public API for app backends and Unico's webhook target"),
		// REST API, not HTTP API: API keys and usage plans exist only for REST APIs.
		EndpointTypes:    &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		ApiKeySourceType: awsapigateway.ApiKeySourceType_HEADER,
		// TLS: API Gateway serves HTTPS only, so no resource policy is needed to refuse plain
		// HTTP. A custom domain, if one is added, must use SecurityPolicy_TLS_1_2 (or newer).
		DisableExecuteApiEndpoint: jsii.Bool(false),
		// Artefacts (selfie images, evidence PDFs) leave the functions base64-encoded
		// (shared/lambdaproxy); "*/*" lets API Gateway turn them back into binary whatever the
		// client's Accept header. Request bodies then reach the function base64-encoded,
		// which shared/lambdaproxy decodes.
		BinaryMediaTypes:   jsii.Strings("*/*"),
		MinCompressionSize: awscdk.Size_Kibibytes(jsii.Number(1)),
		// Access logging needs the account's API Gateway CloudWatch role. RETAIN: other APIs in
		// the account may rely on it after this stack is gone.
		CloudWatchRole:              p.ApiGatewayCloudWatchRole,
		CloudWatchRoleRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(StageName),
			TracingEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  jsii.Number(plan.Stage.Rate),
			ThrottlingBurstLimit: jsii.Number(float64(plan.Stage.Burst)),
			MethodOptions:        stageMethodOptions(plan),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(withStackField(accessLogFormat, *stack.StackName()))),
			// Execution logs would go to a log group API Gateway creates without retention,
			// and data tracing would log request and response bodies (personal data): both off.
			LoggingLevel:     awsapigateway.MethodLoggingLevel_OFF,
			DataTraceEnabled: jsii.Bool(false),
		},
	})
	g := &gatewayAPI{p: p, plan: plan, api: api, accessLogs: accessLogs, methods: map[string]awsapigateway.Method{}}
	g.addGatewayResponses()
	g.addTenants(stack)
	if p.WafWebAclArn != "" {
		awswafv2.NewCfnWebACLAssociation(stack, jsii.String("WafAssociation"), &awswafv2.CfnWebACLAssociationProps{
			ResourceArn: api.DeploymentStage().StageArn(),
			WebAclArn:   jsii.String(p.WafWebAclArn),
		})
	}
	return g
}

// accessLogFormat is one JSON object per request, without bodies, query strings or concrete
// paths (resourcePath is the template, /v1/processes/{id}): nothing personal is logged.
var accessLogFormat = func() string {
	fields := [][2]string{
		{"requestId", "$context.requestId"},
		{"extendedRequestId", "$context.extendedRequestId"},
		{"requestTime", "$context.requestTime"},
		{"httpMethod", "$context.httpMethod"},
		{"resourcePath", "$context.resourcePath"},
		{"status", "$context.status"},
		{"protocol", "$context.protocol"},
		{"responseLength", "$context.responseLength"},
		{"responseLatency", "$context.responseLatency"},
		{"integrationLatency", "$context.integrationLatency"},
		{"integrationStatus", "$context.integration.status"},
		{"apiKeyId", "$context.identity.apiKeyId"},
		{"sourceIp", "$context.identity.sourceIp"},
		{"userAgent", "$context.identity.userAgent"},
		{"errorType", "$context.error.responseType"},
		{"errorMessage", "$context.error.message"},
		{"wafStatus", "$context.waf.status"},
		{"xrayTraceId", "$context.xrayTraceId"},
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = fmt.Sprintf("%q:%q", f[0], f[1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}()

// addGatewayResponses makes the answers API Gateway gives on its own (no API key, throttled,
// unknown route, timeouts) look like the functions' errors (shared/httpapi.ErrorBody): a JSON
// object with a stable code, a message and the request id.
func (g *gatewayAPI) addGatewayResponses() {
	type response struct {
		id      string
		typ     awsapigateway.ResponseType
		status  string // "" keeps API Gateway's status
		code    string
		message string // JSON string literal or a $context variable that renders as one
		headers map[string]string
	}
	retry := map[string]string{"Retry-After": "'1'"}
	for _, r := range []response{
		{"MissingRoute", awsapigateway.ResponseType_MISSING_AUTHENTICATION_TOKEN(), "404", "route_not_found", `"No such route."`, nil},
		{"InvalidApiKey", awsapigateway.ResponseType_INVALID_API_KEY(), "403", "invalid_api_key", `"Missing or unknown API key (x-api-key header)."`, nil},
		{"Throttled", awsapigateway.ResponseType_THROTTLED(), "429", "rate_limited", `"Too many requests; retry later."`, retry},
		{"QuotaExceeded", awsapigateway.ResponseType_QUOTA_EXCEEDED(), "429", "quota_exceeded", `"The API key's request quota for this period is used up."`, nil},
		{"RequestTooLarge", awsapigateway.ResponseType_REQUEST_TOO_LARGE(), "413", "request_too_large", `"The request body is too large."`, nil},
		{"WafFiltered", awsapigateway.ResponseType_WAF_FILTERED(), "403", "request_blocked", `"The request was blocked."`, nil},
		{"IntegrationTimeout", awsapigateway.ResponseType_INTEGRATION_TIMEOUT(), "504", "gateway_timeout", `"The request took too long."`, nil},
		{"Default4xx", awsapigateway.ResponseType_DEFAULT_4XX(), "", "request_rejected", "$context.error.messageString", nil},
		{"Default5xx", awsapigateway.ResponseType_DEFAULT_5XX(), "", "internal_error", `"Internal error."`, nil},
	} {
		headers := map[string]*string{}
		for k, v := range r.headers {
			headers[k] = jsii.String(v)
		}
		// A single allowed origin can be echoed on errors too, so browsers can read them.
		if len(g.p.CorsOrigins) == 1 {
			headers["Access-Control-Allow-Origin"] = jsii.String("'" + g.p.CorsOrigins[0] + "'")
		}
		opts := &awsapigateway.GatewayResponseOptions{
			Type:            r.typ,
			ResponseHeaders: &headers,
			Templates: &map[string]*string{"application/json": jsii.String(
				`{"error":{"code":"` + r.code + `","message":` + r.message + `,"requestId":"$context.requestId"}}`)},
		}
		if r.status != "" {
			opts.StatusCode = jsii.String(r.status)
		}
		g.api.AddGatewayResponse(jsii.String(r.id), opts)
	}
}

// addTenants gives every tenant an API key and a usage plan (bound to the stage by
// bindUsagePlans, once the methods exist). The key has no stage of its own (the plan binds it): a
// key bound to the stage would depend on the deployment, and the functions, which depend on the
// key ids through TENANT_KEYS, would close a cycle.
func (g *gatewayAPI) addTenants(stack awscdk.Stack) {
	var entries []map[string]any
	for _, t := range g.p.Tenants {
		scope := constructs.NewConstruct(stack, jsii.String("Tenant"+constructID(t.Name)))
		name := fmt.Sprintf("%s-%s", *stack.StackName(), t.Name)
		key := awsapigateway.NewApiKey(scope, jsii.String("ApiKey"), &awsapigateway.ApiKeyProps{
			ApiKeyName:  jsii.String(name),
			Description: jsii.String("API key of tenant " + t.Name),
			Enabled:     jsii.Bool(true),
		})
		var quota *awsapigateway.QuotaSettings
		if t.QuotaLimit > 0 {
			quota = &awsapigateway.QuotaSettings{Limit: jsii.Number(float64(t.QuotaLimit)), Period: awsapigateway.Period(t.QuotaPeriod)}
		}
		tp, _ := g.plan.Tenant(t.Name)
		plan := awsapigateway.NewUsagePlan(scope, jsii.String("UsagePlan"), &awsapigateway.UsagePlanProps{
			Name:        jsii.String(name),
			Description: jsii.String("Throttle and quota of tenant " + t.Name),
			Throttle:    throttleSettings(tp.Overall),
			Quota:       quota,
		})
		plan.AddApiKey(key, nil)
		g.tenants = append(g.tenants, tenantResources{tenant: t, key: key, plan: plan})
		entries = append(entries, map[string]any{"keyId": key.KeyId(), "tenant": t.Name})
	}
	g.tenantKeys = stack.ToJsonString(entries, nil)
}

func throttleSettings(l throttle.Limit) *awsapigateway.ThrottleSettings {
	return &awsapigateway.ThrottleSettings{RateLimit: jsii.Number(l.Rate), BurstLimit: jsii.Number(float64(l.Burst))}
}

// bindUsagePlans binds every tenant's usage plan to the stage, with the plan's per-method
// throttles (apiStages[].throttle, keyed /v1/processes/POST) on the routes that spend Unico's
// budget. It needs the methods, so it runs after addRoutes.
func (g *gatewayAPI) bindUsagePlans() {
	for _, tr := range g.tenants {
		tp, _ := g.plan.Tenant(tr.tenant.Name)
		var perMethod []*awsapigateway.ThrottlingPerMethod
		for _, key := range sortedKeys(tp.Methods) {
			m, ok := g.methods[key]
			if !ok {
				panic("infra: the throttle plan names method " + key + ", which the API does not have")
			}
			perMethod = append(perMethod, &awsapigateway.ThrottlingPerMethod{Method: m, Throttle: throttleSettings(tp.Methods[key])})
		}
		stage := &awsapigateway.UsagePlanPerApiStage{Api: g.api, Stage: g.api.DeploymentStage()}
		if len(perMethod) > 0 {
			stage.Throttle = &perMethod
		}
		tr.plan.AddApiStage(stage)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// addRoutes creates every route's resource and method, with a Lambda-proxy integration to the
// route's function.
func (g *gatewayAPI) addRoutes(fns functions) {
	integrations := map[string]awsapigateway.LambdaIntegration{}
	for name, fn := range fns {
		// AllowTestInvoke false: no extra permission for the console's test button.
		integrations[name] = awsapigateway.NewLambdaIntegration(fn, &awsapigateway.LambdaIntegrationOptions{
			AllowTestInvoke: jsii.Bool(false),
		})
	}
	resources := map[string]awsapigateway.IResource{"": g.api.Root()}
	var resource func(path string) awsapigateway.IResource
	resource = func(path string) awsapigateway.IResource {
		if r, ok := resources[path]; ok {
			return r
		}
		i := strings.LastIndex(path, "/")
		r := resource(path[:i]).AddResource(jsii.String(path[i+1:]), nil)
		resources[path] = r
		return r
	}
	// Request validation (cdk-nag AwsSolutions-APIG2): API Gateway refuses a request whose
	// declared parameters are missing before any function runs. Bodies have no API Gateway
	// model: the functions check them more strictly than a model could (shared/httpapi).
	validator := g.api.AddRequestValidator(jsii.String("RequestValidator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	cors := map[string]bool{}
	for _, rt := range Routes {
		integration, ok := integrations[rt.Function]
		if !ok {
			panic("infra: route " + rt.Method + " " + rt.Path + " names unknown function " + rt.Function)
		}
		r := resource(rt.Path)
		g.methods[throttle.MethodKey(rt.Method, rt.Path)] = r.AddMethod(jsii.String(rt.Method), integration, &awsapigateway.MethodOptions{
			ApiKeyRequired:    jsii.Bool(rt.APIKey),
			AuthorizationType: awsapigateway.AuthorizationType_NONE,
			RequestValidator:  validator,
			RequestParameters: pathParameters(rt.Path),
		})
		if len(g.p.CorsOrigins) > 0 && strings.HasPrefix(rt.Path, "/v1/") && !cors[rt.Path] {
			cors[rt.Path] = true
			g.addCorsPreflight(r)
		}
	}
}

// addCorsPreflight answers browsers' OPTIONS requests from API Gateway itself (no API key, no
// function call). The functions add Access-Control-Allow-Origin to their own answers.
func (g *gatewayAPI) addCorsPreflight(r awsapigateway.IResource) {
	m := r.AddCorsPreflight(&awsapigateway.CorsOptions{
		AllowOrigins:  jsii.Strings(g.p.CorsOrigins...),
		AllowMethods:  jsii.Strings("GET", "POST", "PUT", "OPTIONS"),
		AllowHeaders:  jsii.Strings("Content-Type", "X-Api-Key", "Idempotency-Key", "X-Request-Id"),
		ExposeHeaders: jsii.Strings("X-Request-Id", "Retry-After"),
		MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
	})
	// With "*/*" as a binary media type, the mock integration must treat the (empty) preflight
	// body as text, or API Gateway fails to apply its template.
	m.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("Integration.ContentHandling"), "CONVERT_TO_TEXT")
}

// pathParameters declares a route's path parameters as required, for the request validator.
func pathParameters(path string) *map[string]*bool {
	params := map[string]*bool{}
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params["method.request.path."+seg[1:len(seg)-1]] = jsii.Bool(true)
		}
	}
	return &params
}
