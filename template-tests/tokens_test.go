package templatetests

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/infra/throttle"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/tokenshare"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// TestTokenSecret: a second secret, encrypted with the data key, created without a token.
func TestTokenSecret(t *testing.T) {
	s := defaultStack(t)
	keyID, _ := s.resource(t, "AWS::KMS::Key", "DataKey")
	id, secret := s.resource(t, "AWS::SecretsManager::Secret", "TokenSecret")
	p := props(secret)
	if !refersTo(p["KmsKeyId"], keyID) {
		t.Errorf("token secret KmsKeyId = %v, want the data key %s", p["KmsKeyId"], keyID)
	}
	if p["SecretString"] != tokenshare.EmptyDocument {
		t.Errorf("token secret SecretString = %v, want %s (no token in the template)", p["SecretString"], tokenshare.EmptyDocument)
	}
	if _, ok := p["GenerateSecretString"]; ok {
		t.Error("the token secret has a generated value; the refresher writes it")
	}
	if v := obj(obj(s.json["Outputs"])["TokenSecretArn"])["Value"]; !refersTo(v, id) {
		t.Errorf("TokenSecretArn output = %v", v)
	}
}

// TestTokenRefresherFunction: the refresher's code, runtime, environment and schedule.
func TestTokenRefresherFunction(t *testing.T) {
	s := defaultStack(t)
	credsID, _ := s.resource(t, "AWS::SecretsManager::Secret", "CredentialsSecret")
	tokenID, _ := s.resource(t, "AWS::SecretsManager::Secret", "TokenSecret")
	fnID, fn := s.resource(t, "AWS::Lambda::Function", "TokenRefresherFunction")
	p := props(fn)
	for k, v := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "Timeout": 30.0} {
		if p[k] != v {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	if a := list(p["Architectures"]); len(a) != 1 || a[0] != "arm64" {
		t.Errorf("Architectures = %v", a)
	}
	env := obj(obj(p["Environment"])["Variables"])
	want := []string{"CREDENTIALS_SECRET_ID", "LOG_LEVEL", "STACK_NAME", "TOKEN_REFRESH_WINDOW", "TOKEN_SECRET_ID", "UNICO_AUTH_URL"}
	if got := sortedKeys(env); !slices.Equal(got, want) {
		t.Errorf("environment = %v, want exactly %v (no table, no by-Unico host)", got, want)
	}
	if !refersTo(env["CREDENTIALS_SECRET_ID"], credsID) || !refersTo(env["TOKEN_SECRET_ID"], tokenID) {
		t.Errorf("secret ids = %v / %v", env["CREDENTIALS_SECRET_ID"], env["TOKEN_SECRET_ID"])
	}
	if env["UNICO_AUTH_URL"] != "https://identityhomolog.acesso.io" || env["STACK_NAME"] != "TestStack" {
		t.Errorf("UNICO_AUTH_URL %v, STACK_NAME %v", env["UNICO_AUTH_URL"], env["STACK_NAME"])
	}
	// The function parses its own configuration: the stack's values must be accepted, and the
	// window must leave the containers their margin (see tokenshare.RefresherConfig).
	cfg, err := tokenshare.FunctionConfigFromEnv(func(k string) string {
		if v, ok := env[k].(string); ok {
			return v
		}
		if env[k] != nil {
			return "resolved-at-deploy" // a reference (the secrets' ARNs)
		}
		return ""
	})
	if err != nil {
		t.Fatalf("the refresher would refuse the stack's environment: %v", err)
	}
	schedule := time.Duration(infra.TokenRefreshScheduleMinutes) * time.Minute
	if schedule != tokenshare.DefaultSchedule || cfg.RefreshWindow != tokenshare.DefaultRefreshWindow ||
		cfg.RefreshWindow-schedule <= unicoclient.DefaultRefreshMargin {
		t.Errorf("schedule %v, window %v: want the tokenshare defaults, window − schedule > %v", schedule, cfg.RefreshWindow, unicoclient.DefaultRefreshMargin)
	}
	logsID, _ := s.resource(t, "AWS::Logs::LogGroup", "TokenRefresherLogs")
	if lc := obj(p["LoggingConfig"]); lc["LogFormat"] != "JSON" || !refersTo(lc["LogGroup"], logsID) {
		t.Errorf("LoggingConfig = %v", lc)
	}

	// Every 5 minutes; the rule may invoke it.
	_, rule := s.resource(t, "AWS::Events::Rule", "TokenRefresherSchedule")
	rp := props(rule)
	if rp["ScheduleExpression"] != "rate(5 minutes)" || rp["State"] != "ENABLED" {
		t.Errorf("schedule = %v %v", rp["ScheduleExpression"], rp["State"])
	}
	targets := list(rp["Targets"])
	if len(targets) != 1 || !refersTo(obj(targets[0])["Arn"], fnID) {
		t.Errorf("targets = %v, want the refresher", targets)
	}
	found := false
	for _, perm := range s.resourcesOfType("AWS::Lambda::Permission") {
		pp := props(perm)
		if refersTo(pp["FunctionName"], fnID) && pp["Principal"] == "events.amazonaws.com" && pp["Action"] == "lambda:InvokeFunction" {
			found = true
		}
	}
	if !found {
		t.Error("no permission for EventBridge to invoke the refresher")
	}
	// A failed run is not retried by Lambda: the next scheduled run is the retry.
	cfgFound := false
	for _, c := range s.resourcesOfType("AWS::Lambda::EventInvokeConfig") {
		if cp := props(c); refersTo(cp["FunctionName"], fnID) {
			cfgFound = cp["MaximumRetryAttempts"] == 0.0
		}
	}
	if !cfgFound {
		t.Error("the refresher's asynchronous retries are not 0")
	}
}

// TestTokenGrants: least privilege around the token secret. Only the refresher may write it;
// the refresher reads the credentials and reads/writes the token secret and nothing else; the
// API functions may only read it.
func TestTokenGrants(t *testing.T) {
	s := defaultStack(t)
	credsID, _ := s.resource(t, "AWS::SecretsManager::Secret", "CredentialsSecret")
	tokenID, _ := s.resource(t, "AWS::SecretsManager::Secret", "TokenSecret")
	keyID, _ := s.resource(t, "AWS::KMS::Key", "DataKey")
	_, fn := s.resource(t, "AWS::Lambda::Function", "TokenRefresherFunction")
	refresherRole := list(obj(props(fn)["Role"])["Fn::GetAtt"])[0].(string)

	// Who may write any secret: the refresher's role, on the token secret only.
	for polID, pol := range s.resourcesOfType("AWS::IAM::Policy") {
		for _, st := range list(obj(props(pol)["PolicyDocument"])["Statement"]) {
			stmt := obj(st)
			for _, a := range list(stmt["Action"]) {
				action := a.(string)
				if !strings.HasPrefix(action, "secretsmanager:") || action == "secretsmanager:GetSecretValue" {
					continue
				}
				roles := list(props(pol)["Roles"])
				if action != "secretsmanager:PutSecretValue" || len(roles) != 1 || !refersTo(roles[0], refresherRole) {
					t.Errorf("policy %s grants %s to %v", polID, action, roles)
				}
				for _, r := range list(stmt["Resource"]) {
					if !refersTo(r, tokenID) {
						t.Errorf("PutSecretValue on %v, not the token secret", r)
					}
				}
			}
		}
	}

	// The refresher's grants, exactly.
	got := map[string][]string{}
	for _, st := range s.statementsOf(refresherRole) {
		for _, a := range list(st["Action"]) {
			for _, r := range list(st["Resource"]) {
				raw, _ := json.Marshal(r)
				got[a.(string)] = append(got[a.(string)], string(raw))
			}
		}
		if slices.Contains(list(st["Action"]), any("kms:Decrypt")) {
			raw, _ := json.Marshal(st["Condition"])
			if !strings.Contains(string(raw), "secretsmanager.") || strings.Contains(string(raw), "dynamodb.") {
				t.Errorf("refresher KMS condition = %s, want via Secrets Manager only", raw)
			}
		}
	}
	actions := sortedKeys(got)
	want := []string{"kms:Decrypt", "kms:GenerateDataKey", "logs:CreateLogStream", "logs:PutLogEvents",
		"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	if !slices.Equal(actions, want) {
		t.Errorf("refresher actions = %v, want %v", actions, want)
	}
	reads := strings.Join(got["secretsmanager:GetSecretValue"], " ")
	if !strings.Contains(reads, credsID) || !strings.Contains(reads, tokenID) || len(got["secretsmanager:GetSecretValue"]) != 2 {
		t.Errorf("refresher reads %v, want the credentials and the token secret", got["secretsmanager:GetSecretValue"])
	}
	for _, k := range []string{"kms:Decrypt", "kms:GenerateDataKey"} {
		if len(got[k]) != 1 || !strings.Contains(got[k][0], keyID) {
			t.Errorf("refresher %s on %v", k, got[k])
		}
	}

	// The API functions read the token secret, and are told where it is.
	for _, f := range wantFunctions {
		_, apiFn := s.resource(t, "AWS::Lambda::Function", f.id)
		role := list(obj(props(apiFn)["Role"])["Fn::GetAtt"])[0].(string)
		reads := false
		for _, st := range s.statementsOf(role) {
			if slices.Contains(list(st["Action"]), any("secretsmanager:GetSecretValue")) && refersTo(st["Resource"], tokenID) {
				reads = true
			}
		}
		env := obj(obj(props(apiFn)["Environment"])["Variables"])
		if !reads || !refersTo(env["TOKEN_SECRET_ID"], tokenID) || env["STACK_NAME"] != "TestStack" {
			t.Errorf("%s: reads the token secret %v, TOKEN_SECRET_ID %v, STACK_NAME %v", f.id, reads, env["TOKEN_SECRET_ID"], env["STACK_NAME"])
		}
	}
}

// TestTokenAlarms: the circuit-open alarm watches the metric the functions emit (same
// namespace, name and Stack dimension), the refresh alarm the refresher's errors; both notify
// the alarm topic.
func TestTokenAlarms(t *testing.T) {
	s := defaultStack(t)
	topicID, _ := s.resource(t, "AWS::SNS::Topic", "AlarmTopic")
	fnID, _ := s.resource(t, "AWS::Lambda::Function", "TokenRefresherFunction")

	_, circuit := s.resource(t, "AWS::CloudWatch::Alarm", "UnicoAuthCircuitOpen")
	cp := props(circuit)
	if cp["Namespace"] != metrics.Namespace || cp["MetricName"] != metrics.UnicoAuthCircuitOpen || cp["Statistic"] != "Sum" ||
		cp["Threshold"] != 1.0 || cp["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || cp["TreatMissingData"] != "notBreaching" {
		t.Errorf("circuit alarm = %v", cp)
	}
	dims := list(cp["Dimensions"])
	if len(dims) != 1 || obj(dims[0])["Name"] != metrics.DimensionStack || obj(dims[0])["Value"] != "TestStack" {
		t.Errorf("circuit alarm dimensions = %v, want Stack = the stack name (what STACK_NAME gives the functions)", dims)
	}

	_, refresh := s.resource(t, "AWS::CloudWatch::Alarm", "TokenRefreshFailures")
	rp := props(refresh)
	if rp["Namespace"] != "AWS/Lambda" || rp["MetricName"] != "Errors" || rp["EvaluationPeriods"] != 3.0 || rp["DatapointsToAlarm"] != 2.0 {
		t.Errorf("refresh alarm = %v", rp)
	}
	if d := list(rp["Dimensions"]); len(d) != 1 || !refersTo(obj(d[0])["Value"], fnID) {
		t.Errorf("refresh alarm dimensions = %v, want the refresher", d)
	}
	for name, a := range map[string]map[string]any{"circuit": cp, "refresh": rp} {
		if !refersTo(a["AlarmActions"], topicID) || !refersTo(a["OKActions"], topicID) {
			t.Errorf("%s alarm does not notify the topic", name)
		}
	}
}

// TestRateBudget reads the rate limits back from the synthesized templates: on every route that
// calls Unico, the tenants' usage-plan throttles together stay within the route's stage method
// setting, which is the create share of Unico's budget (throttle.CreateShare × unicoRateLimit),
// so the front never lets more creates, artefacts or document calls through than the functions'
// budget grants them; the refresher's mints (one per ~50 minutes) are negligible next to it.
func TestRateBudget(t *testing.T) {
	for name, s := range map[string]*synthesized{"default": defaultStack(t), "options": optionsStack(t)} {
		got := templatePlan(t, s)
		share := throttle.CreateShare * s.props.UnicoRateLimit
		n := 0
		for key, stage := range got.Methods {
			if m, p := splitMethodKey(key); throttle.RouteCost(m, p) != throttle.CostUnico {
				continue
			}
			n++
			if stage.Rate != share || stage.Rate > s.props.UnicoRateLimit {
				t.Errorf("%s: %s's stage setting %v/s, want the create share %v/s", name, key, stage.Rate, share)
			}
			sum := 0.0
			for _, tp := range got.Tenants {
				l, ok := tp.Methods[key]
				if !ok || l.Rate <= 0 {
					t.Errorf("%s: tenant %s has no per-method throttle on %s", name, tp.Name, key)
				}
				sum += l.Rate
			}
			if sum > stage.Rate+1e-9 {
				t.Errorf("%s: the usage plans on %s add up to %v/s, over the stage's %v/s", name, key, sum, stage.Rate)
			}
		}
		if n < 5 || len(got.Tenants) != len(s.props.Tenants) {
			t.Errorf("%s: %d routes that call Unico with a stage setting, %d usage plans", name, n, len(got.Tenants))
		}
	}
	// Validate refuses tenants whose rates add up to more than Unico's (TestInvalidContext);
	// the refresher's schedule adds at most one token request per 10 minutes.
	s := defaultStack(t)
	refresher, _ := s.resource(t, "AWS::Lambda::Function", "TokenRefresherFunction")
	n := 0
	for _, r := range s.resourcesOfType("AWS::Events::Rule") {
		if refersTo(props(r)["Targets"], refresher) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d schedules run the token refresher, want 1", n)
	}
}
