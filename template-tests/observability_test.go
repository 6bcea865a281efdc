package templatetests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
)

// allFunctions: logical id prefix → function name, the token refresher included.
var allFunctions = map[string]string{
	"CreateFunction": infra.FunctionCreate, "GetFunction": infra.FunctionGet, "WebhookFunction": infra.FunctionWebhook,
	"WorkerFunction": infra.FunctionWorker, "SweeperFunction": infra.FunctionSweeper, "NotifierFunction": infra.FunctionNotifier,
	"TokenRefresherFunction": infra.FunctionTokenRefresher,
}

// TestTracing: X-Ray is on at the API stage and in every function.
func TestTracing(t *testing.T) {
	s := defaultStack(t)
	_, stage := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	if props(stage)["TracingEnabled"] != true {
		t.Error("the API stage does not trace")
	}
	if n := len(s.resourcesOfType("AWS::Lambda::Function")); n != len(allFunctions) {
		t.Fatalf("%d functions, want %d", n, len(allFunctions))
	}
	for prefix := range allFunctions {
		_, fn := s.resource(t, "AWS::Lambda::Function", prefix)
		if m := obj(props(fn)["TracingConfig"])["Mode"]; m != "Active" {
			t.Errorf("%s: TracingConfig.Mode = %v, want Active", prefix, m)
		}
	}
}

// alarmDims returns an alarm's dimensions as a map (values as JSON when they are not strings).
func alarmDims(a map[string]any) map[string]string {
	out := map[string]string{}
	for _, d := range list(a["Dimensions"]) {
		v := obj(d)["Value"]
		if str, ok := v.(string); ok {
			out[fmt.Sprint(obj(d)["Name"])] = str
		} else {
			raw, _ := json.Marshal(v)
			out[fmt.Sprint(obj(d)["Name"])] = string(raw)
		}
	}
	return out
}

// TestObservabilityAlarms: the API's 5xx RATE (a metric-math expression over 5XXError and
// Count, not any single 5xx), throttling at both ends (API Gateway's 429s through a metric filter
// on the access log, Unico's 429s from the functions' metric, Lambda's throttles per function),
// the dead-letter depth and the token refresh failures, every one notifying the alarm topic.
func TestObservabilityAlarms(t *testing.T) {
	s := defaultStack(t)
	topicID, _ := s.resource(t, "AWS::SNS::Topic", "AlarmTopic")
	notifies := func(id string, a map[string]any) {
		t.Helper()
		if !refersTo(props(a)["AlarmActions"], topicID) || !refersTo(props(a)["OKActions"], topicID) {
			t.Errorf("alarm %s does not notify the alarm topic", id)
		}
	}

	// 5xx rate.
	id, rate := s.resource(t, "AWS::CloudWatch::Alarm", "Api5xxRate")
	notifies(id, rate)
	p := props(rate)
	if p["Threshold"] != float64(infra.Api5xxRatePercent) || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["MetricName"] != nil {
		t.Errorf("5xx rate alarm = %v", p)
	}
	queries := map[string]map[string]any{}
	var expression string
	for _, q := range list(p["Metrics"]) {
		m := obj(q)
		if e, ok := m["Expression"].(string); ok {
			expression = e
			if m["ReturnData"] == false {
				t.Error("the expression is not what the alarm evaluates")
			}
			continue
		}
		queries[fmt.Sprint(m["Id"])] = obj(obj(m["MetricStat"])["Metric"])
	}
	want := fmt.Sprintf("IF(requests >= %d, 100 * errors / requests, 0)", infra.Api5xxMinRequests)
	if expression != want {
		t.Errorf("5xx rate expression %q, want %q", expression, want)
	}
	for qid, metric := range map[string]string{"errors": "5XXError", "requests": "Count"} {
		m := queries[qid]
		if m["Namespace"] != "AWS/ApiGateway" || m["MetricName"] != metric || !strings.Contains(fmt.Sprint(m["Dimensions"]), "ApiName") {
			t.Errorf("5xx rate: %s = %v, want AWS/ApiGateway %s of the API", qid, m, metric)
		}
	}
	for aid, a := range s.resourcesOfType("AWS::CloudWatch::Alarm") {
		if props(a)["MetricName"] == "5XXError" {
			t.Errorf("alarm %s fires on any 5xx; the rate alarm replaces it", aid)
		}
	}

	// API Gateway's 429s: a metric filter on this stack's access log, Stack from the log line.
	logsID, _ := s.resource(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
	filters := s.resourcesOfType("AWS::Logs::MetricFilter")
	if len(filters) != 1 {
		t.Fatalf("%d metric filters, want 1", len(filters))
	}
	for fid, f := range filters {
		fp := props(f)
		tr := obj(list(fp["MetricTransformations"])[0])
		dims := list(tr["Dimensions"])
		if !refersTo(fp["LogGroupName"], logsID) || !strings.Contains(fmt.Sprint(fp["FilterPattern"]), `$.status = "429"`) ||
			tr["MetricNamespace"] != metrics.Namespace || tr["MetricName"] != infra.MetricApiThrottled || tr["MetricValue"] != "1" ||
			len(dims) != 1 || obj(dims[0])["Key"] != metrics.DimensionStack || obj(dims[0])["Value"] != "$.stack" {
			t.Errorf("metric filter %s = %v", fid, fp)
		}
	}
	_, stage := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	var format map[string]string
	if err := json.Unmarshal([]byte(obj(props(stage)["AccessLogSetting"])["Format"].(string)), &format); err != nil || format["stack"] != "TestStack" {
		t.Errorf("access log format %v (%v): want the stack name in \"stack\"", format, err)
	}
	id, thr := s.resource(t, "AWS::CloudWatch::Alarm", "ApiThrottled")
	notifies(id, thr)
	if p := props(thr); p["Namespace"] != metrics.Namespace || p["MetricName"] != infra.MetricApiThrottled || p["Statistic"] != "Sum" ||
		p["Threshold"] != float64(infra.ApiThrottledThreshold) || fmt.Sprint(alarmDims(p)) != "map[Stack:TestStack]" {
		t.Errorf("API 429 alarm = %v", p)
	}

	// Unico's 429s, from the functions' UnicoCalls metric.
	id, unico := s.resource(t, "AWS::CloudWatch::Alarm", "UnicoThrottled")
	notifies(id, unico)
	if p := props(unico); p["Namespace"] != metrics.Namespace || p["MetricName"] != metrics.UnicoCalls || p["Statistic"] != "Sum" ||
		p["Threshold"] != float64(infra.UnicoThrottledThreshold) || fmt.Sprint(alarmDims(p)) != "map[Stack:TestStack Status:429]" {
		t.Errorf("Unico 429 alarm = %v", p)
	}

	// Creates refused by the fleet's Unico budget.
	id, budget := s.resource(t, "AWS::CloudWatch::Alarm", "UnicoBudgetExhausted")
	notifies(id, budget)
	if p := props(budget); p["Namespace"] != metrics.Namespace || p["MetricName"] != metrics.UnicoBudgetExhausted || p["Statistic"] != "Sum" ||
		p["Threshold"] != float64(infra.UnicoBudgetExhaustedThreshold) || fmt.Sprint(alarmDims(p)) != "map[Priority:create Stack:TestStack]" {
		t.Errorf("Unico budget alarm = %v", p)
	}

	// Lambda throttles and errors of every function behind the API and of the asynchronous side.
	for prefix, name := range allFunctions {
		if name == infra.FunctionTokenRefresher {
			continue // its failures: TokenRefreshFailures (tokens_test.go)
		}
		fnID, _ := s.resource(t, "AWS::Lambda::Function", prefix)
		for _, metric := range []string{"Throttles", "Errors"} {
			id, a := s.resource(t, "AWS::CloudWatch::Alarm", prefix+metric)
			notifies(id, a)
			if p := props(a); p["MetricName"] != metric || p["Namespace"] != "AWS/Lambda" || !refersTo(p["Dimensions"], fnID) {
				t.Errorf("%s %s alarm = %v", name, metric, p)
			}
		}
	}
	// The dead-letter queue, parked events (with the Stack dimension every metric carries) and
	// token refresh failures.
	for _, name := range []string{"StreamDeadLetterAlarm", "OutboundParkedAlarm", "TokenRefreshFailures", "UnicoAuthCircuitOpen"} {
		id, a := s.resource(t, "AWS::CloudWatch::Alarm", name)
		notifies(id, a)
	}
	_, parked := s.resource(t, "AWS::CloudWatch::Alarm", "OutboundParkedAlarm")
	if p := props(parked); p["Namespace"] != metrics.Namespace || p["MetricName"] != domain.MetricOutboundParked ||
		fmt.Sprint(alarmDims(p)) != "map[Stack:TestStack]" {
		t.Errorf("parked alarm = %v", p)
	}
}

// dashboardBody renders the dashboard's DashboardBody (an Fn::Join of strings and references)
// with every reference as "REF:<logical id>" and parses it.
func dashboardBody(t *testing.T, s *synthesized) map[string]any {
	t.Helper()
	boards := s.resourcesOfType("AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(boards))
	}
	var body string
	for _, b := range boards {
		switch v := props(b)["DashboardBody"].(type) {
		case string:
			body = v
		default:
			join := list(obj(v)["Fn::Join"])
			if len(join) != 2 {
				t.Fatalf("DashboardBody = %v", v)
			}
			var sb strings.Builder
			for _, part := range list(join[1]) {
				switch p := part.(type) {
				case string:
					sb.WriteString(p)
				default:
					m := obj(p)
					if r, ok := m["Ref"].(string); ok {
						sb.WriteString("REF:" + r)
					} else if g := list(m["Fn::GetAtt"]); len(g) > 0 {
						sb.WriteString("REF:" + fmt.Sprint(g[0]))
					} else {
						sb.WriteString("REF:?")
					}
				}
			}
			body = sb.String()
		}
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("dashboard body is not JSON: %v\n%s", err, body)
	}
	return doc
}

// dashboardMetric is one metric line of a graph: namespace, name and dimensions, or an
// expression.
type dashboardMetric struct {
	namespace, name, expression string
	dims                        map[string]string
}

func dashboardMetrics(t *testing.T, doc map[string]any) (out []dashboardMetric) {
	t.Helper()
	for _, w := range list(doc["widgets"]) {
		for _, line := range list(obj(obj(w)["properties"])["metrics"]) {
			parts := list(line)
			var m dashboardMetric
			var strs []string
			for _, p := range parts {
				switch v := p.(type) {
				case string:
					strs = append(strs, v)
				case map[string]any:
					if e, ok := v["expression"].(string); ok {
						m.expression = e
					}
				}
			}
			if len(strs) >= 2 {
				m.namespace, m.name = strs[0], strs[1]
				m.dims = map[string]string{}
				for i := 2; i+1 < len(strs); i += 2 {
					m.dims[strs[i]] = strs[i+1]
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// TestDashboard: one dashboard showing the API (requests, 4xx, 5xx, latency, the 5xx rate, API
// Gateway's 429s), every function's errors, duration and throttles, the functions' own metrics
// (requests by route, Unico calls by status, decisions by outcome, webhook lag), the dead-letter
// depth, outbound events and the token metrics, all for this stack only.
func TestDashboard(t *testing.T) {
	s := defaultStack(t)
	lines := dashboardMetrics(t, dashboardBody(t, s))
	has := func(namespace, name string, dims map[string]string) bool {
		for _, l := range lines {
			if l.namespace != namespace || l.name != name {
				continue
			}
			ok := true
			for k, v := range dims {
				if l.dims[k] != v {
					ok = false
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
	stack := map[string]string{metrics.DimensionStack: "TestStack"}
	with := func(k, v string) map[string]string {
		return map[string]string{metrics.DimensionStack: "TestStack", k: v}
	}

	for _, name := range []string{"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"} {
		if !has("AWS/ApiGateway", name, map[string]string{"ApiName": "TestStack"}) {
			t.Errorf("no API %s", name)
		}
	}
	rate := false
	for _, l := range lines {
		rate = rate || strings.Contains(l.expression, "100 * errors / requests")
	}
	if !rate {
		t.Error("no 5xx rate expression")
	}
	for prefix, name := range allFunctions {
		fnID, _ := s.resource(t, "AWS::Lambda::Function", prefix)
		for _, metric := range []string{"Errors", "Duration", "Throttles"} {
			if !has("AWS/Lambda", metric, map[string]string{"FunctionName": "REF:" + fnID}) {
				t.Errorf("no %s of %s", metric, name)
			}
		}
	}
	for _, r := range infra.Routes {
		route := r.Method + " " + r.Path
		for _, name := range []string{metrics.Requests, metrics.Requests5xx, metrics.RequestLatency} {
			if !has(metrics.Namespace, name, with(metrics.DimensionRoute, route)) {
				t.Errorf("no %s for route %s", name, route)
			}
		}
	}
	for _, st := range []string{metrics.Status2xx, metrics.Status4xx, metrics.Status429, metrics.Status5xx, metrics.StatusNetwork} {
		if !has(metrics.Namespace, metrics.UnicoCalls, with(metrics.DimensionStatus, st)) {
			t.Errorf("no UnicoCalls for status %s", st)
		}
	}
	for _, o := range []domain.Outcome{domain.OutcomeApproved, domain.OutcomeRejected, domain.OutcomeReview, domain.OutcomeRetry, domain.OutcomePending} {
		if !has(metrics.Namespace, metrics.Decisions, with(metrics.DimensionOutcome, string(o))) {
			t.Errorf("no Decisions for outcome %s", o)
		}
	}
	for _, o := range []domain.Outcome{domain.OutcomeApproved, domain.OutcomeRejected} {
		if !has(metrics.Namespace, metrics.Reviews, with(metrics.DimensionOutcome, string(o))) {
			t.Errorf("no Reviews for outcome %s", o)
		}
	}
	for _, name := range []string{metrics.UnicoCallLatency, metrics.WebhookLag, infra.MetricApiThrottled, domain.MetricOutboundParked,
		domain.MetricOutboundDelivered, domain.MetricWebhookRecorded, metrics.UnicoTokenMints, metrics.UnicoTokenMintFailures,
		metrics.UnicoTokenRefreshFailures, metrics.UnicoAuthCircuitOpen, metrics.UnicoSharedTokenSecondsLeft} {
		if !has(metrics.Namespace, name, stack) {
			t.Errorf("no %s", name)
		}
	}
	dlqID, _ := s.resource(t, "AWS::SQS::Queue", "StreamDeadLetterQueue")
	if !has("AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": "REF:" + dlqID}) {
		t.Error("no dead-letter queue depth")
	}
	workerID, _ := s.resource(t, "AWS::Lambda::Function", "WorkerFunction")
	if !has("AWS/Lambda", "IteratorAge", map[string]string{"FunctionName": "REF:" + workerID}) {
		t.Error("no worker iterator age")
	}
	// Every gateway metric on it is this stack's.
	for _, l := range lines {
		if l.namespace == metrics.Namespace && l.dims[metrics.DimensionStack] != "TestStack" {
			t.Errorf("dashboard metric %s without this stack's Stack dimension: %v", l.name, l.dims)
		}
	}
	s.tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
}
