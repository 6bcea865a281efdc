package templatetests

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/workers"
)

// The asynchronous side: the worker, sweeper and notifier, the stream mappings with their
// dead-letter queue, the schedules, the tenants' signing secrets, the alarms.

var wantAsyncFunctions = []struct {
	id, name string
	timeout  float64
}{
	{"WorkerFunction", infra.FunctionWorker, 60},
	{"SweeperFunction", infra.FunctionSweeper, 240},
	{"NotifierFunction", infra.FunctionNotifier, 60},
}

func TestAsyncFunctions(t *testing.T) {
	s := defaultStack(t)
	for _, want := range wantAsyncFunctions {
		id, fn := s.resource(t, "AWS::Lambda::Function", want.id)
		p := props(fn)
		if p["Timeout"] != want.timeout || p["Runtime"] != "provided.al2023" || list(p["Architectures"])[0] != "arm64" {
			t.Errorf("%s: timeout %v runtime %v", id, p["Timeout"], p["Runtime"])
		}
		env := obj(obj(p["Environment"])["Variables"])
		for _, k := range wantEnv {
			if _, ok := env[k]; !ok && (k != "TOKEN_SECRET_ID" || want.name != infra.FunctionNotifier) {
				t.Errorf("%s: environment lacks %s", id, k)
			}
		}
		if env["SWEEP_AFTER"] != "15m" || env["TENANT_CALLBACKS"] != "[]" {
			t.Errorf("%s: SWEEP_AFTER %v TENANT_CALLBACKS %v", id, env["SWEEP_AFTER"], env["TENANT_CALLBACKS"])
		}
		if want.name == infra.FunctionSweeper && (env["SWEEP_RATE"] != "1" || env["SWEEP_MAX_PER_RUN"] != "200") {
			t.Errorf("sweeper budget: rate %v, max %v", env["SWEEP_RATE"], env["SWEEP_MAX_PER_RUN"])
		}
	}
	// The functions' metrics and the alarms agree on where they are.
	if infra.MetricOutboundParked != domain.MetricOutboundParked {
		t.Fatal("infra and shared/domain disagree on the parked events' metric")
	}
}

// TestStreamMappings: the worker and the notifier read the table's stream with retries,
// bisection, partial batch responses, the filters the local poller applies, and the
// dead-letter queue as on-failure destination.
func TestStreamMappings(t *testing.T) {
	s := defaultStack(t)
	tableID, _ := s.resource(t, "AWS::DynamoDB::Table", "Table")
	dlqID, dlq := s.resource(t, "AWS::SQS::Queue", "StreamDeadLetterQueue")
	if props(dlq)["SqsManagedSseEnabled"] != true {
		t.Errorf("dead-letter queue not encrypted: %v", props(dlq))
	}
	s.tpl.ResourceCountIs(jsii.String("AWS::Lambda::EventSourceMapping"), jsii.Number(2))
	for fnID, filter := range map[string]string{"WorkerFunction": workers.WorkerFilter, "NotifierFunction": workers.NotifierFilter} {
		fnLogical, _ := s.resource(t, "AWS::Lambda::Function", fnID)
		var found map[string]any
		for _, m := range s.resourcesOfType("AWS::Lambda::EventSourceMapping") {
			if refersTo(props(m)["FunctionName"], fnLogical) {
				found = m
			}
		}
		if found == nil {
			t.Fatalf("no stream mapping for %s", fnID)
		}
		p := props(found)
		arn := list(obj(p["EventSourceArn"])["Fn::GetAtt"])
		if len(arn) != 2 || arn[0] != tableID || arn[1] != "StreamArn" {
			t.Errorf("%s: EventSourceArn %v, want the table's stream", fnID, p["EventSourceArn"])
		}
		for k, v := range map[string]any{"StartingPosition": "TRIM_HORIZON", "BatchSize": 10.0, "BisectBatchOnFunctionError": true,
			"MaximumRetryAttempts": float64(infra.StreamRetries), "MaximumRecordAgeInSeconds": float64(infra.StreamMaxRecordAge * 3600)} {
			if p[k] != v {
				t.Errorf("%s: %s = %v, want %v", fnID, k, p[k], v)
			}
		}
		if rt := list(p["FunctionResponseTypes"]); len(rt) != 1 || rt[0] != "ReportBatchItemFailures" {
			t.Errorf("%s: FunctionResponseTypes %v", fnID, rt)
		}
		if !refersTo(obj(obj(p["DestinationConfig"])["OnFailure"])["Destination"], dlqID) {
			t.Errorf("%s: on-failure destination %v, want the dead-letter queue", fnID, p["DestinationConfig"])
		}
		filters := list(obj(p["FilterCriteria"])["Filters"])
		if len(filters) != 1 || obj(filters[0])["Pattern"] != filter {
			t.Errorf("%s: filters %v, want %s", fnID, filters, filter)
		}
		if deps := list(found["DependsOn"]); len(deps) == 0 {
			t.Errorf("%s: the mapping does not wait for its role's policy", fnID)
		}
	}
}

// TestSchedules: the sweeper every 5 minutes, the notifier's retries every minute, and the
// token refresher every 5 minutes (tokens_test.go).
func TestSchedules(t *testing.T) {
	s := defaultStack(t)
	want := map[string]string{"SweeperFunction": "rate(5 minutes)", "NotifierFunction": "rate(1 minute)", "TokenRefresherFunction": "rate(5 minutes)"}
	rules := s.resourcesOfType("AWS::Events::Rule")
	if len(rules) != len(want) {
		t.Fatalf("%d rules, want %d", len(rules), len(want))
	}
	for fnID, expr := range want {
		fnLogical, _ := s.resource(t, "AWS::Lambda::Function", fnID)
		ok := false
		for _, r := range rules {
			targets := list(props(r)["Targets"])
			if props(r)["ScheduleExpression"] == expr && len(targets) == 1 && refersTo(obj(targets[0])["Arn"], fnLogical) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("no %s rule targeting %s", expr, fnID)
		}
	}
	// EventBridge may invoke exactly those functions (and the token refresher, tokens_test.go).
	perms := 0
	for _, pm := range s.resourcesOfType("AWS::Lambda::Permission") {
		if props(pm)["Principal"] == "events.amazonaws.com" {
			perms++
		}
	}
	if perms != len(want) {
		t.Errorf("%d EventBridge invoke permissions, want %d", perms, len(want))
	}
}

// TestAsyncAlarms: the dead-letter queue's depth, parked outbound events (the notifier's
// metric) and the worker's lag.
func TestAsyncAlarms(t *testing.T) {
	s := defaultStack(t)
	dlqID, _ := s.resource(t, "AWS::SQS::Queue", "StreamDeadLetterQueue")
	workerID, _ := s.resource(t, "AWS::Lambda::Function", "WorkerFunction")
	_, dl := s.resource(t, "AWS::CloudWatch::Alarm", "StreamDeadLetterAlarm")
	if p := props(dl); p["MetricName"] != "ApproximateNumberOfMessagesVisible" || p["Threshold"] != 1.0 ||
		!refersTo(p["Dimensions"], dlqID) {
		t.Errorf("dead-letter alarm %v", p)
	}
	_, parked := s.resource(t, "AWS::CloudWatch::Alarm", "OutboundParkedAlarm")
	if p := props(parked); p["Namespace"] != metrics.Namespace || p["MetricName"] != infra.MetricOutboundParked || p["Threshold"] != 1.0 ||
		fmt.Sprint(alarmDims(p)) != "map[Stack:TestStack]" {
		t.Errorf("parked alarm %v", p)
	}
	_, lag := s.resource(t, "AWS::CloudWatch::Alarm", "WorkerIteratorAgeAlarm")
	if p := props(lag); p["MetricName"] != "IteratorAge" || !refersTo(p["Dimensions"], workerID) {
		t.Errorf("iterator age alarm %v", p)
	}
	if _, ok := obj(s.json["Outputs"])["StreamDeadLetterQueueUrl"]; !ok {
		t.Error("no StreamDeadLetterQueueUrl output")
	}
}

// TestOutboundSecrets: a tenant with a callbackUrl gets a generated signing secret (encrypted
// with the data key, retained), readable by the notifier only, and TENANT_CALLBACKS names it.
func TestOutboundSecrets(t *testing.T) {
	o := optionsStack(t)
	keyID, _ := o.resource(t, "AWS::KMS::Key", "DataKey")
	secretID, sec := o.resource(t, "AWS::SecretsManager::Secret", "OutboundSecretAcmeBank")
	gen := obj(props(sec)["GenerateSecretString"])
	if gen["GenerateStringKey"] != "signingSecret" || gen["PasswordLength"] != 44.0 || gen["ExcludePunctuation"] != true ||
		!refersTo(props(sec)["KmsKeyId"], keyID) || sec["DeletionPolicy"] != "Retain" {
		t.Errorf("signing secret %v", sec)
	}
	if n := len(o.resourcesOfType("AWS::SecretsManager::Secret")); n != 3 {
		t.Errorf("%d secrets, want the credentials, the shared token and acme-bank's signing secret (beta has no callback)", n)
	}
	if _, ok := obj(o.json["Outputs"])["OutboundSecretArnAcmeBank"]; !ok {
		t.Error("no OutboundSecretArnAcmeBank output")
	}
	// Only the notifier reads it.
	for _, f := range append(wantFunctions[:0:0], append(wantFunctions, wantAsyncFunctions...)...) {
		_, fn := o.resource(t, "AWS::Lambda::Function", f.id)
		role := list(obj(props(fn)["Role"])["Fn::GetAtt"])[0].(string)
		reads := false
		for _, st := range o.statementsOf(role) {
			if refersTo(st["Resource"], secretID) {
				reads = true
				if a := list(st["Action"]); len(a) != 1 || a[0] != "secretsmanager:GetSecretValue" {
					t.Errorf("%s: %v on the signing secret", f.id, a)
				}
			}
		}
		if reads != (f.id == "NotifierFunction") {
			t.Errorf("%s reads the signing secret: %v", f.id, reads)
		}
		// TENANT_CALLBACKS renders (with a stand-in for the ARN) to the JSON the functions parse.
		v := obj(obj(props(fn)["Environment"])["Variables"])["TENANT_CALLBACKS"]
		var entries []gateway.TenantCallback
		if err := json.Unmarshal([]byte(render(v)), &entries); err != nil {
			t.Fatalf("%s TENANT_CALLBACKS %v: %v", f.id, v, err)
		}
		if len(entries) != 1 || entries[0].Tenant != "acme-bank" || entries[0].URL != optCallbackURL || entries[0].SecretID != "TOKEN" {
			t.Errorf("%s TENANT_CALLBACKS = %+v", f.id, entries)
		}
	}
}

// render flattens an Fn::Join of strings and references, references becoming "TOKEN".
func render(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	join := list(obj(v)["Fn::Join"])
	if len(join) != 2 {
		return "TOKEN"
	}
	var b strings.Builder
	for _, part := range list(join[1]) {
		b.WriteString(render(part))
	}
	return b.String()
}

func TestInvalidAsyncContext(t *testing.T) {
	for name, tc := range map[string]struct {
		overrides map[string]any
		want      string
	}{
		"plain http callback":   {map[string]any{"tenants": `[{"name":"a","rateLimit":1,"burstLimit":1,"callbackUrl":"http://hooks.example"}]`}, "callbackUrl"},
		"callback with user":    {map[string]any{"tenants": `[{"name":"a","rateLimit":1,"burstLimit":1,"callbackUrl":"https://u:p@hooks.example"}]`}, "callbackUrl"},
		"sweep rate over Unico": {map[string]any{"sweepRatePerSecond": 11}, "sweepRatePerSecond"},
		"sweep after":           {map[string]any{"sweepAfterMinutes": -3}, "sweepAfterMinutes"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := propsFrom(t, tc.overrides)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
