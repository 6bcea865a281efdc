package templatetests

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// wildcardResourceActions are the only actions allowed on Resource "*": AWS defines no
// resource for them. Lambda's active tracing needs these two X-Ray calls.
var wildcardResourceActions = map[string]bool{
	"xray:PutTraceSegments":    true,
	"xray:PutTelemetryRecords": true,
}

// TestNoWildcards walks every IAM policy in the template: no action "*" or "<service>:*", no
// NotAction/NotResource, and Resource "*" only for the allow-listed actions.
func TestNoWildcards(t *testing.T) {
	for name, s := range map[string]*synthesized{"default": defaultStack(t), "options": optionsStack(t)} {
		policies := s.resourcesOfType("AWS::IAM::Policy")
		if len(policies) == 0 {
			t.Fatalf("%s: no AWS::IAM::Policy in the template", name)
		}
		for id, pol := range policies {
			for i, st := range list(obj(props(pol)["PolicyDocument"])["Statement"]) {
				stmt := obj(st)
				where := fmt.Sprintf("%s %s statement %d", name, id, i)
				for _, k := range []string{"NotAction", "NotResource"} {
					if _, ok := stmt[k]; ok {
						t.Errorf("%s uses %s", where, k)
					}
				}
				actions := list(stmt["Action"])
				for _, a := range actions {
					action, _ := a.(string)
					if action == "*" || strings.HasSuffix(action, ":*") || !strings.Contains(action, ":") {
						t.Errorf("%s allows action %v", where, a)
					}
				}
				for _, r := range list(stmt["Resource"]) {
					if r != "*" {
						continue
					}
					for _, a := range actions {
						if !wildcardResourceActions[a.(string)] {
							t.Errorf("%s allows %v on Resource \"*\"", where, a)
						}
					}
				}
			}
		}
	}
}

// statementsOf returns every statement of every policy attached to role.
func (s *synthesized) statementsOf(role string) []map[string]any {
	var out []map[string]any
	for _, pol := range s.resourcesOfType("AWS::IAM::Policy") {
		attached := false
		for _, r := range list(props(pol)["Roles"]) {
			attached = attached || refersTo(r, role)
		}
		if !attached {
			continue
		}
		for _, st := range list(obj(props(pol)["PolicyDocument"])["Statement"]) {
			out = append(out, obj(st))
		}
	}
	return out
}

// TestFunctionPermissions: each function's role holds exactly its own grants.
func TestFunctionPermissions(t *testing.T) {
	s := defaultStack(t)
	tableID, _ := s.resource(t, "AWS::DynamoDB::Table", "Table")
	secretID, _ := s.resource(t, "AWS::SecretsManager::Secret", "CredentialsSecret")
	tokenSecretID, _ := s.resource(t, "AWS::SecretsManager::Secret", "TokenSecret")
	keyID, _ := s.resource(t, "AWS::KMS::Key", "DataKey")
	dlqID, _ := s.resource(t, "AWS::SQS::Queue", "StreamDeadLetterQueue")
	stream := []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

	want := map[string][]string{
		// TransactWriteItems is authorised per item as PutItem/UpdateItem/ConditionCheckItem;
		// DeleteItem releases the create's own idempotency lock (shared/dynamostore).
		"CreateFunction": {"dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"GetFunction":    {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
		// The webhook only records the delivery: a ConditionCheck and a Put in one transaction.
		"WebhookFunction": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem"},
		// The asynchronous side (async_test.go): the stream consumers read the table's stream.
		"WorkerFunction":   append([]string{"dynamodb:GetItem", "dynamodb:PutItem"}, stream...),
		"SweeperFunction":  {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
		"NotifierFunction": append([]string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}, stream...),
	}
	for _, w := range want {
		sort.Strings(w)
	}
	roles := map[string]string{}
	for fnPrefix, wantDynamo := range want {
		_, fn := s.resource(t, "AWS::Lambda::Function", fnPrefix)
		roleRef := list(obj(props(fn)["Role"])["Fn::GetAtt"])
		if len(roleRef) != 2 {
			t.Fatalf("%s Role = %v", fnPrefix, props(fn)["Role"])
		}
		role := roleRef[0].(string)
		roles[fnPrefix] = role
		logsID, _ := s.resource(t, "AWS::Logs::LogGroup", fnPrefix+"Logs")

		actions := map[string]bool{}
		var dynamo []string
		for _, st := range s.statementsOf(role) {
			if st["Effect"] != "Allow" {
				continue
			}
			stActions := list(st["Action"])
			resources := list(st["Resource"])
			for _, a := range stActions {
				action := a.(string)
				actions[action] = true
				switch {
				case strings.HasPrefix(action, "dynamodb:"):
					if !slices.Contains(dynamo, action) {
						dynamo = append(dynamo, action)
					}
					for _, r := range resources {
						if !refersTo(r, tableID) {
							t.Errorf("%s: %s on %v, not the table", fnPrefix, action, r)
						}
					}
				case strings.HasPrefix(action, "secretsmanager:"):
					if action != "secretsmanager:GetSecretValue" {
						t.Errorf("%s: unexpected %s", fnPrefix, action)
					}
					for _, r := range resources {
						if !refersTo(r, secretID) && !refersTo(r, tokenSecretID) {
							t.Errorf("%s: %s on %v, not the credentials or token secret", fnPrefix, action, r)
						}
					}
				case strings.HasPrefix(action, "kms:"):
					if action != "kms:Decrypt" && action != "kms:GenerateDataKey" {
						t.Errorf("%s: unexpected %s", fnPrefix, action)
					}
					for _, r := range resources {
						if !refersTo(r, keyID) {
							t.Errorf("%s: %s on %v, not the data key", fnPrefix, action, r)
						}
					}
					if _, ok := obj(st["Condition"])["StringEquals"]; !ok {
						t.Errorf("%s: %s without a kms:ViaService condition", fnPrefix, action)
					}
				case strings.HasPrefix(action, "sqs:"):
					// The stream mappings' on-failure destination, sent with the function's role.
					if fnPrefix != "WorkerFunction" && fnPrefix != "NotifierFunction" {
						t.Errorf("%s: unexpected %s", fnPrefix, action)
					}
					for _, r := range resources {
						if !refersTo(r, dlqID) {
							t.Errorf("%s: %s on %v, not the dead-letter queue", fnPrefix, action, r)
						}
					}
				case strings.HasPrefix(action, "logs:"):
					for _, r := range resources {
						if !refersTo(r, logsID) {
							t.Errorf("%s: %s on %v, not its own log group", fnPrefix, action, r)
						}
					}
				case wildcardResourceActions[action]:
				default:
					t.Errorf("%s: unexpected action %s", fnPrefix, action)
				}
			}
		}
		sort.Strings(dynamo)
		if !slices.Equal(dynamo, wantDynamo) {
			t.Errorf("%s DynamoDB actions = %v, want %v", fnPrefix, dynamo, wantDynamo)
		}
		for _, a := range []string{"secretsmanager:GetSecretValue", "kms:Decrypt", "kms:GenerateDataKey",
			"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments"} {
			if !actions[a] && (a != "secretsmanager:GetSecretValue" || fnPrefix != "NotifierFunction") {
				t.Errorf("%s lacks %s", fnPrefix, a)
			}
		}
		// The notifier never reads the Unico credentials (only the tenants' signing secrets,
		// and this stack's tenant has no callback).
		if fnPrefix == "NotifierFunction" && actions["secretsmanager:GetSecretValue"] {
			t.Errorf("%s may read a secret", fnPrefix)
		}
	}

	// Only get lists (every index: gsi3 is the review queue); the sweeper and the notifier query
	// gsi2 only; nobody else reaches an index.
	for fn, role := range roles {
		raw, _ := json.Marshal(s.statementsOf(role))
		gsi1, gsi2 := strings.Contains(string(raw), "/index/gsi1"), strings.Contains(string(raw), "/index/gsi2")
		gsi3 := strings.Contains(string(raw), "/index/gsi3")
		switch fn {
		case "GetFunction":
			if !gsi1 || !gsi2 || !gsi3 {
				t.Errorf("%s: index access gsi1 %v gsi2 %v gsi3 %v", fn, gsi1, gsi2, gsi3)
			}
		case "SweeperFunction", "NotifierFunction":
			if gsi1 || !gsi2 || gsi3 {
				t.Errorf("%s: index access gsi1 %v gsi2 %v, want gsi2 only", fn, gsi1, gsi2)
			}
		default:
			if gsi1 || gsi2 || strings.Contains(string(raw), "/index/") {
				t.Errorf("%s: index access", fn)
			}
		}
	}

	// The function roles carry no managed policy (AWSLambdaBasicExecutionRole grants logs on
	// "*"); the only managed policy is API Gateway's own CloudWatch role's.
	for id, r := range s.resourcesOfType("AWS::IAM::Role") {
		if _, ok := props(r)["ManagedPolicyArns"]; !ok {
			continue
		}
		trust, _ := json.Marshal(props(r)["AssumeRolePolicyDocument"])
		if !strings.Contains(string(trust), "apigateway.amazonaws.com") {
			t.Errorf("role %s has managed policies: %v", id, props(r)["ManagedPolicyArns"])
		}
	}
}
