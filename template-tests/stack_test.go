package templatetests

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
)

// The functions as the brief defines them: logical id prefix, asset directory, timeout.
var wantFunctions = []struct {
	id, name string
	timeout  float64
}{
	{"CreateFunction", infra.FunctionCreate, 28},
	{"GetFunction", infra.FunctionGet, 28},
	{"WebhookFunction", infra.FunctionWebhook, 10},
}

var wantEnv = []string{"TABLE_NAME", "CREDENTIALS_SECRET_ID", "UNICO_AUTH_URL", "UNICO_BY_UNICO_URL",
	"UNICO_BY_CLIENT_URL", "UNICO_SIGN_URL", "RETENTION_DAYS", "READ_REFRESH_SECONDS", "LOG_LEVEL", "TENANT_KEYS",
	"UNICO_RATE_LIMIT",              // the fleet's budget of Unico calls
	"TOKEN_SECRET_ID", "STACK_NAME", // token sharing (tokens_test.go)
	"TENANT_CALLBACKS", "SWEEP_AFTER"} // the asynchronous side (async_test.go)

func TestFunctions(t *testing.T) {
	s := defaultStack(t)
	// The three API functions, the token refresher (tokens_test.go), and worker, sweeper and
	// notifier (async_test.go).
	s.tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(7))
	tableID, _ := s.resource(t, "AWS::DynamoDB::Table", "Table")
	secretID, _ := s.resource(t, "AWS::SecretsManager::Secret", "CredentialsSecret")
	keyID, _ := s.resource(t, "AWS::ApiGateway::ApiKey", "TenantDefaultApiKey")
	assets := map[string]bool{}

	for _, want := range wantFunctions {
		t.Run(want.name, func(t *testing.T) {
			id, fn := s.resource(t, "AWS::Lambda::Function", want.id)
			p := props(fn)
			for k, v := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 256.0,
				"Timeout": want.timeout} {
				if p[k] != v {
					t.Errorf("%s %s = %v, want %v", id, k, p[k], v)
				}
			}
			if a := list(p["Architectures"]); len(a) != 1 || a[0] != "arm64" {
				t.Errorf("Architectures = %v, want [arm64]", a)
			}
			if m := obj(p["TracingConfig"])["Mode"]; m != "Active" {
				t.Errorf("TracingConfig.Mode = %v, want Active", m)
			}
			lc := obj(p["LoggingConfig"])
			if lc["LogFormat"] != "JSON" || lc["ApplicationLogLevel"] != "INFO" {
				t.Errorf("LoggingConfig = %v, want JSON at INFO", lc)
			}
			logGroupID, _ := s.resource(t, "AWS::Logs::LogGroup", want.id+"Logs")
			if !refersTo(lc["LogGroup"], logGroupID) {
				t.Errorf("LoggingConfig.LogGroup = %v, want %s", lc["LogGroup"], logGroupID)
			}
			// The code is an asset: its own directory, so its own hash.
			key, _ := obj(p["Code"])["S3Key"].(string)
			if !strings.HasSuffix(key, ".zip") || assets[key] {
				t.Errorf("Code.S3Key = %q, want a distinct asset per function", key)
			}
			assets[key] = true

			env := obj(obj(p["Environment"])["Variables"])
			for _, k := range wantEnv {
				if _, ok := env[k]; !ok {
					t.Errorf("environment lacks %s (has %v)", k, sortedKeys(env))
				}
			}
			if len(env) != len(wantEnv) {
				t.Errorf("environment = %v, want exactly %v", sortedKeys(env), wantEnv)
			}
			for k := range env {
				if strings.HasPrefix(k, "POWERTOOLS") {
					t.Errorf("environment has %s", k)
				}
			}
			if !refersTo(env["TABLE_NAME"], tableID) || !refersTo(env["CREDENTIALS_SECRET_ID"], secretID) {
				t.Errorf("TABLE_NAME/CREDENTIALS_SECRET_ID = %v/%v, want the table and the secret", env["TABLE_NAME"], env["CREDENTIALS_SECRET_ID"])
			}
			if !refersTo(env["TENANT_KEYS"], keyID) {
				t.Errorf("TENANT_KEYS = %v, want it to resolve the API key id %s", env["TENANT_KEYS"], keyID)
			}
			for k, v := range map[string]string{
				"UNICO_AUTH_URL": "https://identityhomolog.acesso.io", "UNICO_BY_UNICO_URL": "https://api.cadastro.uat.unico.app",
				"UNICO_BY_CLIENT_URL": "https://api.id.uat.unico.app", "UNICO_SIGN_URL": "https://signhom.acesso.io",
				"RETENTION_DAYS": "180", "READ_REFRESH_SECONDS": "5", "LOG_LEVEL": "INFO", "UNICO_RATE_LIMIT": "10",
			} {
				if env[k] != v {
					t.Errorf("%s = %v, want %s", k, env[k], v)
				}
			}
		})
	}
}

// TestTenantKeysJSON renders TENANT_KEYS with a stand-in key id: it must be the JSON list the
// functions parse.
func TestTenantKeysJSON(t *testing.T) {
	s := defaultStack(t)
	_, fn := s.resource(t, "AWS::Lambda::Function", "GetFunction")
	join := list(obj(obj(obj(props(fn)["Environment"])["Variables"])["TENANT_KEYS"])["Fn::Join"])
	if len(join) != 2 {
		t.Fatalf("TENANT_KEYS is not an Fn::Join: %v", join)
	}
	var b strings.Builder
	for _, part := range list(join[1]) {
		if str, ok := part.(string); ok {
			b.WriteString(str)
		} else {
			b.WriteString("KEYID")
		}
	}
	var entries []map[string]string
	if err := json.Unmarshal([]byte(b.String()), &entries); err != nil {
		t.Fatalf("TENANT_KEYS %q: %v", b.String(), err)
	}
	if len(entries) != 1 || entries[0]["keyId"] != "KEYID" || entries[0]["tenant"] != "default" {
		t.Errorf("TENANT_KEYS = %v", entries)
	}
}

func TestTable(t *testing.T) {
	s := defaultStack(t)
	s.tpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
	keyID, _ := s.resource(t, "AWS::KMS::Key", "DataKey")
	id, table := s.resource(t, "AWS::DynamoDB::Table", "Table")
	if table["DeletionPolicy"] != "Retain" || table["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("table %s is not retained: %v/%v", id, table["DeletionPolicy"], table["UpdateReplacePolicy"])
	}
	gsi := func(name, pk, sk string, projection any) map[string]any {
		return map[string]any{
			"IndexName": name,
			"KeySchema": []any{
				map[string]any{"AttributeName": pk, "KeyType": "HASH"},
				map[string]any{"AttributeName": sk, "KeyType": "RANGE"},
			},
			"Projection": projection,
		}
	}
	s.tpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), &map[string]any{
		"BillingMode": "PAY_PER_REQUEST",
		"KeySchema": []any{
			map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
			map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
		},
		"AttributeDefinitions": assertions.Match_ArrayWith(&[]any{
			map[string]any{"AttributeName": "pk", "AttributeType": "S"},
			map[string]any{"AttributeName": "sk", "AttributeType": "S"},
			map[string]any{"AttributeName": "gsi1pk", "AttributeType": "S"},
			map[string]any{"AttributeName": "gsi1sk", "AttributeType": "S"},
			map[string]any{"AttributeName": "gsi2pk", "AttributeType": "S"},
			map[string]any{"AttributeName": "gsi2sk", "AttributeType": "S"},
			map[string]any{"AttributeName": "gsi3pk", "AttributeType": "S"},
			map[string]any{"AttributeName": "gsi3sk", "AttributeType": "S"},
		}),
		"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		"SSESpecification": map[string]any{
			"SSEEnabled":     true,
			"SSEType":        "KMS",
			"KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
		},
		"StreamSpecification": map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"},
		"GlobalSecondaryIndexes": []any{
			gsi("gsi1", "gsi1pk", "gsi1sk", map[string]any{"ProjectionType": "ALL"}),
			gsi("gsi2", "gsi2pk", "gsi2sk", map[string]any{"ProjectionType": "KEYS_ONLY"}),
			gsi("gsi3", "gsi3pk", "gsi3sk", map[string]any{"ProjectionType": "ALL"}),
		},
	})
}

func TestDataKey(t *testing.T) {
	s := defaultStack(t)
	s.tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
	_, key := s.resource(t, "AWS::KMS::Key", "DataKey")
	if props(key)["EnableKeyRotation"] != true {
		t.Errorf("key rotation is off: %v", props(key))
	}
	if key["DeletionPolicy"] != "Retain" {
		t.Errorf("key DeletionPolicy = %v, want Retain", key["DeletionPolicy"])
	}
}

func TestCredentialsSecret(t *testing.T) {
	s := defaultStack(t)
	s.tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(2)) // and the token secret (tokens_test.go)
	keyID, _ := s.resource(t, "AWS::KMS::Key", "DataKey")
	_, secret := s.resource(t, "AWS::SecretsManager::Secret", "CredentialsSecret")
	p := props(secret)
	if !refersTo(p["KmsKeyId"], keyID) {
		t.Errorf("secret KmsKeyId = %v, want the data key %s", p["KmsKeyId"], keyID)
	}
	if _, ok := p["SecretString"]; ok {
		t.Error("the secret has a literal SecretString in the template")
	}
	gen := obj(p["GenerateSecretString"])
	if gen["GenerateStringKey"] != "cpfHashKey" {
		t.Errorf("GenerateStringKey = %v, want cpfHashKey", gen["GenerateStringKey"])
	}
	var skeleton map[string]any
	if err := json.Unmarshal([]byte(gen["SecretStringTemplate"].(string)), &skeleton); err != nil {
		t.Fatalf("SecretStringTemplate: %v", err)
	}
	for _, k := range []string{"environment", "serviceAccount", "tenantId", "privateKeyPem", "apiKeys", "webhook"} {
		if _, ok := skeleton[k]; !ok {
			t.Errorf("SecretStringTemplate lacks %q: %v", k, skeleton)
		}
	}
	if _, ok := skeleton["cpfHashKey"]; ok {
		t.Error("SecretStringTemplate carries cpfHashKey; Secrets Manager must generate it")
	}
	if skeleton["environment"] != "uat" || skeleton["privateKeyPem"] != "" {
		t.Errorf("skeleton = %v", skeleton)
	}
}

func TestLogGroups(t *testing.T) {
	s := defaultStack(t)
	// One per function (7: the token refresher and the asynchronous side's included) and the
	// API's access log: every log group has a retention.
	s.tpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(8))
	s.tpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"RetentionInDays": 30})

	o := optionsStack(t)
	o.tpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"RetentionInDays": 90})
}

func TestOutputs(t *testing.T) {
	s := defaultStack(t)
	outputs := obj(s.json["Outputs"])
	for _, k := range []string{"ApiUrl", "WebhookUrl", "TableName", "CredentialsSecretArn", "ApiKeyIdDefault", "AlarmTopicArn", "TokenSecretArn"} {
		if _, ok := outputs[k]; !ok {
			t.Errorf("no output %s (have %v)", k, sortedKeys(outputs))
		}
	}
	keyID, _ := s.resource(t, "AWS::ApiGateway::ApiKey", "TenantDefaultApiKey")
	if v := obj(outputs["ApiKeyIdDefault"])["Value"]; !refersTo(v, keyID) {
		t.Errorf("ApiKeyIdDefault = %v, want a Ref to %s", v, keyID)
	}
	// An output may name an API key by its id (Ref) only, never expose anything else of it.
	for name, out := range outputs {
		v := obj(out)["Value"]
		for id := range s.resourcesOfType("AWS::ApiGateway::ApiKey") {
			if refersTo(v, id) && !reflect.DeepEqual(v, ref(id)) {
				t.Errorf("output %s uses API key %s beyond its id: %v", name, id, v)
			}
		}
	}
	stageID, _ := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	webhook := obj(outputs["WebhookUrl"])["Value"]
	if raw, _ := json.Marshal(webhook); !refersTo(webhook, stageID) || !strings.HasSuffix(string(raw), `"/webhooks/unico"]]}`) {
		t.Errorf("WebhookUrl = %s, want <stage URL>/webhooks/unico", raw)
	}

	o := optionsStack(t)
	for _, k := range []string{"ApiKeyIdAcmeBank", "ApiKeyIdBeta"} {
		if _, ok := obj(o.json["Outputs"])[k]; !ok {
			t.Errorf("options stack: no output %s", k)
		}
	}
}

func TestAlarms(t *testing.T) {
	s := defaultStack(t)
	// Errors and throttles of each of the 6 functions in functionSpecs, the token alarms (circuit
	// open, refresh failures: tokens_test.go), the asynchronous side's dead-letter queue, parked
	// events and worker lag (async_test.go), and the API's 5xx rate, API Gateway's and Unico's
	// 429s and the creates the fleet's Unico budget refused (observability_test.go).
	s.tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(21))
	topicID, _ := s.resource(t, "AWS::SNS::Topic", "AlarmTopic")
	for id, a := range s.resourcesOfType("AWS::CloudWatch::Alarm") {
		if actions := props(a)["AlarmActions"]; !refersTo(actions, topicID) {
			t.Errorf("alarm %s does not notify the topic: %v", id, actions)
		}
	}
	s.tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(0))

	o := optionsStack(t)
	o.tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{"Protocol": "email", "Endpoint": optEmail})
}

// TestProductionHosts: the production environment switches every Unico host, and a host given
// in the context overrides its default.
func TestProductionHosts(t *testing.T) {
	o := optionsStack(t)
	want := map[string]string{
		"UNICO_AUTH_URL":      "https://identity.acesso.io",
		"UNICO_BY_UNICO_URL":  "https://api.cadastro.unico.app",
		"UNICO_BY_CLIENT_URL": "https://api.id.unico.app",
		"UNICO_SIGN_URL":      optSignURL,
		"RETENTION_DAYS":      "365",
	}
	for _, f := range wantFunctions {
		_, fn := o.resource(t, "AWS::Lambda::Function", f.id)
		env := obj(obj(props(fn)["Environment"])["Variables"])
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s %s = %v, want %s", f.id, k, env[k], v)
			}
		}
		if m := props(fn)["MemorySize"]; m != 512.0 {
			t.Errorf("%s MemorySize = %v, want 512", f.id, m)
		}
	}
	_, secret := o.resource(t, "AWS::SecretsManager::Secret", "CredentialsSecret")
	if tpl := obj(props(secret)["GenerateSecretString"])["SecretStringTemplate"].(string); !strings.Contains(tpl, `"environment":"production"`) {
		t.Errorf("secret skeleton = %s, want environment production", tpl)
	}
}
