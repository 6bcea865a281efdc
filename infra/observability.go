package infra

import (
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
)

// What the stack watches beyond the per-function alarms (alarms.go), the token alarms
// (tokens.go) and the asynchronous side's (async.go):
//
//   - the API's 5xx RATE: 5XXError/Count over Api5xxRatePercent within five minutes, once at
//     least Api5xxMinRequests requests came (one failed request out of three at night is not an
//     outage; a steady 5 % is);
//   - throttling at the front: API Gateway answers 429 itself when a tenant's usage plan (rate or
//     quota, per method on the routes that call Unico) or a stage method setting refuses a
//     request (api.go, infra/throttle), and publishes no metric for it, so a metric filter on the
//     access log counts them (ApiThrottled);
//   - throttling at the back: Unico answering 429 (UnicoCalls with Status=429, the functions'
//     own metric);
//
// and one CloudWatch dashboard with the API, every function, the functions' own metrics
// (shared/metrics), the dead-letter queue, outbound events and tokens.
const (
	Api5xxRatePercent       = 5  // % of the API's requests answered 5xx in five minutes
	Api5xxMinRequests       = 10 // requests in five minutes below which the rate is not judged
	ApiThrottledThreshold   = 10 // 429s from API Gateway in five minutes
	UnicoThrottledThreshold = 1  // 429s from Unico in five minutes
	// UnicoBudgetExhaustedThreshold: creates refused by the fleet's Unico budget in five minutes.
	UnicoBudgetExhaustedThreshold = 5
	// MetricApiThrottled is the access-log metric filter's metric (namespace metrics.Namespace,
	// dimension Stack).
	MetricApiThrottled = "ApiThrottled"
)

// withStackField adds "stack":"<name>" to the access log's JSON format, so that the metric filter
// can give ApiThrottled the Stack dimension every other gateway metric has. CloudFormation stack
// names are letters, digits and hyphens: nothing to escape.
func withStackField(format, stackName string) string {
	return `{"stack":"` + stackName + `",` + strings.TrimPrefix(format, "{")
}

// observability is what the dashboard shows.
type observability struct {
	stack      awscdk.Stack
	api        awsapigateway.RestApi
	accessLogs awslogs.ILogGroup
	fns        functions // every function, the token refresher included
	dlq        awssqs.IQueue
}

var fiveMinutes = awscdk.Duration_Minutes(jsii.Number(5))

// gw is one of the functions' own metrics (shared/metrics) for this stack, with an optional second
// dimension.
func (o *observability) gw(name, statistic, label string, dim ...string) awscloudwatch.Metric {
	dims := map[string]*string{metrics.DimensionStack: o.stack.StackName()}
	if len(dim) == 2 {
		dims[dim[0]] = jsii.String(dim[1])
	}
	p := &awscloudwatch.MetricProps{Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(name),
		DimensionsMap: &dims, Period: fiveMinutes, Statistic: jsii.String(statistic)}
	if label != "" {
		p.Label = jsii.String(label)
	}
	return awscloudwatch.NewMetric(p)
}

// api5xxRate is 100·5XXError/Count, or 0 while fewer than Api5xxMinRequests requests came.
func (o *observability) api5xxRate() awscloudwatch.MathExpression {
	sum := &awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Sum")}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("IF(requests >= " + strconv.Itoa(Api5xxMinRequests) + ", 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"errors":   o.api.MetricServerError(sum),
			"requests": o.api.MetricCount(sum),
		},
		Label:  jsii.String("5xx rate (%)"),
		Period: fiveMinutes,
	})
}

// addObservability creates the access-log metric filter, the three alarms above (notifying the
// alarm topic) and the dashboard.
func addObservability(stack awscdk.Stack, api *gatewayAPI, fns functions, refresher awslambda.Function, dlq awssqs.IQueue,
	action awscloudwatch.IAlarmAction) {
	all := functions{FunctionTokenRefresher: refresher}
	for k, v := range fns {
		all[k] = v
	}
	o := &observability{stack: stack, api: api.api, accessLogs: api.accessLogs, fns: all, dlq: dlq}

	awslogs.NewMetricFilter(stack, jsii.String("ApiThrottledFilter"), &awslogs.MetricFilterProps{
		LogGroup:        api.accessLogs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.status"), jsii.String("="), jsii.String("429")),
		MetricNamespace: jsii.String(metrics.Namespace),
		MetricName:      jsii.String(MetricApiThrottled),
		MetricValue:     jsii.String("1"),
		Dimensions:      &map[string]*string{metrics.DimensionStack: jsii.String("$.stack")},
		Unit:            awscloudwatch.Unit_COUNT,
	})

	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) {
		props := &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), props)
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	alarm("Api5xxRate", "More than "+strconv.Itoa(Api5xxRatePercent)+" % of the API's requests answered 5xx in five minutes (with at least "+
		strconv.Itoa(Api5xxMinRequests)+" requests): function failures, Unico outages or timeouts. See the dashboard's 5xx by route.",
		o.api5xxRate(), Api5xxRatePercent)
	alarm("ApiThrottled", "API Gateway answered 429 "+strconv.Itoa(ApiThrottledThreshold)+" times or more in five minutes: a tenant exceeds its "+
		"usage plan (its rateLimit on a route that calls Unico, readRateLimit, or its quota) or a stage method setting (the create share of "+
		"unicoRateLimit, webhookRateLimit). See the access log's apiKeyId and resourcePath; raise the plan or talk to the tenant.",
		o.gw(MetricApiThrottled, "Sum", ""), ApiThrottledThreshold)
	alarm("UnicoThrottled", "Unico answered 429: the gateway calls it faster than the account allows. Check unicoRateLimit (the "+
		"fleet-wide budget of the functions' Unico calls, whose create share bounds the front throttles) against the rate Unico granted.",
		o.gw(metrics.UnicoCalls, "Sum", "", metrics.DimensionStatus, metrics.Status429), UnicoThrottledThreshold)

	alarm("UnicoBudgetExhausted", "The fleet's budget of Unico calls (unicoRateLimit, shared by every function) refused "+
		strconv.Itoa(UnicoBudgetExhaustedThreshold)+" creates or more in five minutes (429 unico_budget_exhausted): callers asked for more "+
		"verifications than Unico's rate allows, or follow-ups and a Unico 429 pause filled it. See UnicoBudgetPermits and "+
		"UnicoBudgetExhausted by priority on the dashboard; ask Unico for a higher rate and raise unicoRateLimit.",
		o.gw(metrics.UnicoBudgetExhausted, "Sum", "", metrics.DimensionPriority, "create"), UnicoBudgetExhaustedThreshold)

	awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   stack.StackName(),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets:         o.widgets(),
	})
}

// Names of the functions in the dashboard's order.
var dashboardFunctions = []string{FunctionCreate, FunctionGet, FunctionWebhook, FunctionWorker, FunctionSweeper, FunctionNotifier,
	FunctionTokenRefresher}

func (o *observability) widgets() *[]*[]awscloudwatch.IWidget {
	graph := func(title string, width float64, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Width: jsii.Number(width),
			Height: jsii.Number(6), Left: &left, Period: fiveMinutes})
	}
	text := func(md string) awscloudwatch.IWidget {
		return awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{Markdown: jsii.String(md), Width: jsii.Number(24), Height: jsii.Number(1)})
	}
	sum := func(label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Sum"), Label: jsii.String(label)}
	}
	stat := func(statistic, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String(statistic), Label: jsii.String(label)}
	}
	perFunction := func(m func(fn awslambda.Function, name string) awscloudwatch.IMetric) []awscloudwatch.IMetric {
		var out []awscloudwatch.IMetric
		for _, name := range dashboardFunctions {
			out = append(out, m(o.fns[name], name))
		}
		return out
	}
	perRoute := func(name, statistic string) []awscloudwatch.IMetric {
		var out []awscloudwatch.IMetric
		for _, r := range Routes {
			route := r.Method + " " + r.Path
			out = append(out, o.gw(name, statistic, route, metrics.DimensionRoute, route))
		}
		return out
	}
	var unicoByStatus []awscloudwatch.IMetric
	for _, s := range []string{metrics.Status2xx, metrics.Status4xx, metrics.Status401, metrics.Status429, metrics.Status5xx, metrics.StatusNetwork} {
		unicoByStatus = append(unicoByStatus, o.gw(metrics.UnicoCalls, "Sum", s, metrics.DimensionStatus, s))
	}
	var decisions []awscloudwatch.IMetric
	for _, out := range []domain.Outcome{domain.OutcomeApproved, domain.OutcomeRejected, domain.OutcomeReview, domain.OutcomeRetry, domain.OutcomePending} {
		decisions = append(decisions, o.gw(metrics.Decisions, "Sum", string(out), metrics.DimensionOutcome, string(out)))
	}
	for _, out := range []domain.Outcome{domain.OutcomeApproved, domain.OutcomeRejected} { // a person's reviews
		decisions = append(decisions, o.gw(metrics.Reviews, "Sum", "reviewed "+string(out), metrics.DimensionOutcome, string(out)))
	}
	row := func(ws ...awscloudwatch.IWidget) *[]awscloudwatch.IWidget { return &ws }

	return &[]*[]awscloudwatch.IWidget{
		row(text("## API (API Gateway)")),
		row(
			graph("Requests, 4xx, 5xx", 8, o.api.MetricCount(sum("requests")), o.api.MetricClientError(sum("4xx")), o.api.MetricServerError(sum("5xx"))),
			graph("5xx rate (%), alarmed", 8, o.api5xxRate()),
			graph("429 from API Gateway (usage plans, stage method settings)", 8, o.gw(MetricApiThrottled, "Sum", "429")),
		),
		row(graph("Latency (ms)", 12, o.api.MetricLatency(stat("p50", "latency p50")), o.api.MetricLatency(stat("p99", "latency p99")),
			o.api.MetricIntegrationLatency(stat("p99", "integration p99")))),
		row(text("## Functions")),
		row(
			graph("Errors", 8, perFunction(func(fn awslambda.Function, name string) awscloudwatch.IMetric { return fn.MetricErrors(sum(name)) })...),
			graph("Duration p99 (ms)", 8, perFunction(func(fn awslambda.Function, name string) awscloudwatch.IMetric {
				return fn.MetricDuration(stat("p99", name))
			})...),
			graph("Throttles", 8, perFunction(func(fn awslambda.Function, name string) awscloudwatch.IMetric { return fn.MetricThrottles(sum(name)) })...),
		),
		row(text("## Requests (the functions' metrics, by route)")),
		row(
			graph("Requests by route", 8, perRoute(metrics.Requests, "Sum")...),
			graph("5xx by route", 8, perRoute(metrics.Requests5xx, "Sum")...),
			graph("Latency p99 by route (ms)", 8, perRoute(metrics.RequestLatency, "p99")...),
		),
		row(text("## Unico and decisions")),
		row(
			graph("Unico calls by status (429 alarmed)", 8, unicoByStatus...),
			graph("Unico call latency (ms)", 8, o.gw(metrics.UnicoCallLatency, "p50", "2xx p50", metrics.DimensionStatus, metrics.Status2xx),
				o.gw(metrics.UnicoCallLatency, "p99", "2xx p99", metrics.DimensionStatus, metrics.Status2xx)),
			graph("Decisions by outcome", 8, decisions...),
		),
		row(
			graph("Webhook lag: Unico finished → recorded (ms)", 8, o.gw(metrics.WebhookLag, "p50", "p50"), o.gw(metrics.WebhookLag, "p99", "p99"),
				o.gw(metrics.WebhookLag, "Maximum", "max")),
			graph("Webhooks", 8, o.gw(domain.MetricWebhookRecorded, "Sum", "recorded"), o.gw(domain.MetricWebhookDuplicate, "Sum", "duplicate"),
				o.gw(domain.MetricWebhookUnknown, "Sum", "unknown process"), o.gw(domain.MetricProcessSynced, "Sum", "synced by the worker")),
			graph("Sweeper", 8, o.gw(domain.MetricSweepChecked, "Sum", "checked"), o.gw(domain.MetricSweepClosed, "Sum", "closed"),
				o.gw(domain.MetricSweepErrors, "Sum", "errors")),
		),
		row(text("## Asynchronous side and tokens")),
		row(
			graph("Dead-letter queue depth (alarmed)", 6, o.dlq.MetricApproximateNumberOfMessagesVisible(stat("Maximum", "messages"))),
			graph("Outbound events (parked alarmed)", 6, o.gw(domain.MetricOutboundDelivered, "Sum", "delivered"),
				o.gw(domain.MetricOutboundFailed, "Sum", "attempt failed"), o.gw(domain.MetricOutboundParked, "Sum", "parked")),
			graph("Worker iterator age (ms, alarmed)", 6, o.fns[FunctionWorker].Metric(jsii.String("IteratorAge"), stat("Maximum", "max"))),
			graph("Token mints and refreshes", 6, o.gw(metrics.UnicoTokenMints, "Sum", "mints"), o.gw(metrics.UnicoTokenMintFailures, "Sum", "mint failures"),
				o.gw(metrics.UnicoTokenRefreshes, "Sum", "refresher writes"), o.gw(metrics.UnicoTokenRefreshFailures, "Sum", "refresher failures")),
		),
		row(
			graph("Authentication circuit opened (alarmed)", 12, o.gw(metrics.UnicoAuthCircuitOpen, "Sum", "opened")),
			graph("Shared token: seconds left after each refresher run", 12, o.gw(metrics.UnicoSharedTokenSecondsLeft, "Minimum", "min")),
		),
	}
}
