package templatetests

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/unicogw/gateway/infra"
	"github.com/unicogw/gateway/shared/dynamostore"
)

// both returns the default stack and the stack with every option on: a security property must
// hold whatever the configuration.
func both(t *testing.T) map[string]*synthesized {
	return map[string]*synthesized{"default": defaultStack(t), "options": optionsStack(t)}
}

// TestDataAtRest (Done means 4): every table and secret is encrypted with the stack's
// customer-managed KMS key (rotated, retained, usable only by this account's principals), every
// table has point-in-time recovery and TTL on the attribute the store writes, and is retained.
func TestDataAtRest(t *testing.T) {
	for name, s := range both(t) {
		keys := s.resourcesOfType("AWS::KMS::Key")
		if len(keys) != 1 {
			t.Fatalf("%s: %d KMS keys, want the one data key", name, len(keys))
		}
		var keyID string
		for id, k := range keys {
			keyID = id
			if props(k)["EnableKeyRotation"] != true || k["DeletionPolicy"] != "Retain" {
				t.Errorf("%s: key %s rotation %v, deletion %v", name, id, props(k)["EnableKeyRotation"], k["DeletionPolicy"])
			}
			// A key policy's Resource is always "*" (it means this key): what matters is who.
			// Only the account itself (whose IAM policies then decide) may use the key.
			for i, st := range list(obj(props(k)["KeyPolicy"])["Statement"]) {
				stmt := obj(st)
				principal, _ := json.Marshal(stmt["Principal"])
				if stmt["Effect"] == "Allow" && (!strings.Contains(string(principal), `":root"`) || strings.Contains(string(principal), `"*"`)) {
					t.Errorf("%s: key policy statement %d allows %s", name, i, principal)
				}
			}
		}
		tables := s.resourcesOfType("AWS::DynamoDB::Table")
		if len(tables) == 0 {
			t.Fatalf("%s: no table", name)
		}
		for id, tbl := range tables {
			p := props(tbl)
			sse := obj(p["SSESpecification"])
			if sse["SSEEnabled"] != true || sse["SSEType"] != "KMS" || !refersTo(sse["KMSMasterKeyId"], keyID) {
				t.Errorf("%s: table %s SSESpecification = %v, want KMS with the customer key %s", name, id, sse, keyID)
			}
			if obj(p["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] != true {
				t.Errorf("%s: table %s has no point-in-time recovery", name, id)
			}
			ttl := obj(p["TimeToLiveSpecification"])
			if ttl["Enabled"] != true || ttl["AttributeName"] != infra.TTLAttribute {
				t.Errorf("%s: table %s TTL = %v, want %q enabled", name, id, ttl, infra.TTLAttribute)
			}
			if tbl["DeletionPolicy"] != "Retain" {
				t.Errorf("%s: table %s is not retained", name, id)
			}
		}
		for id, sec := range s.resourcesOfType("AWS::SecretsManager::Secret") {
			if !refersTo(props(sec)["KmsKeyId"], keyID) {
				t.Errorf("%s: secret %s is not encrypted with the customer key", name, id)
			}
		}
	}
	// The TTL attribute is the one the store's own table definition (the local stack's) enables.
	admin := &ttlRecorder{}
	if err := dynamostore.CreateTable(context.Background(), admin, "t"); err != nil {
		t.Fatal(err)
	}
	if admin.attribute != infra.TTLAttribute {
		t.Errorf("dynamostore enables TTL on %q, the stack on %q", admin.attribute, infra.TTLAttribute)
	}
}

type ttlRecorder struct{ attribute string }

func (r *ttlRecorder) CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	return &dynamodb.CreateTableOutput{}, nil
}

func (r *ttlRecorder) UpdateTimeToLive(_ context.Context, in *dynamodb.UpdateTimeToLiveInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error) {
	r.attribute = *in.TimeToLiveSpecification.AttributeName
	return &dynamodb.UpdateTimeToLiveOutput{}, nil
}

// TestNoLongLivedCredentials: nothing in the stack is a user or an access key, every role is
// assumable by exactly one AWS service, and no role carries inline policies (grants live in
// AWS::IAM::Policy, which TestNoWildcards and TestFunctionPermissions check).
func TestNoLongLivedCredentials(t *testing.T) {
	for name, s := range both(t) {
		for _, typ := range []string{"AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::IAM::Group", "AWS::IAM::ManagedPolicy"} {
			if n := len(s.resourcesOfType(typ)); n != 0 {
				t.Errorf("%s: %d %s", name, n, typ)
			}
		}
		for id, r := range s.resourcesOfType("AWS::IAM::Role") {
			if _, ok := props(r)["Policies"]; ok {
				t.Errorf("%s: role %s has inline policies", name, id)
			}
			stmts := list(obj(props(r)["AssumeRolePolicyDocument"])["Statement"])
			if len(stmts) != 1 {
				t.Errorf("%s: role %s trust policy has %d statements", name, id, len(stmts))
				continue
			}
			st := obj(stmts[0])
			svc, _ := obj(st["Principal"])["Service"].(string)
			if st["Action"] != "sts:AssumeRole" || (svc != "lambda.amazonaws.com" && svc != "apigateway.amazonaws.com") || len(obj(st["Principal"])) != 1 {
				t.Errorf("%s: role %s trusted by %v", name, id, st)
			}
		}
	}
}

// TestInvokePermissions: each function may be invoked by API Gateway only, only from this API's
// deployed stage, and only for the routes it serves (no "*" method or path, no test-invoke).
func TestInvokePermissions(t *testing.T) {
	s := defaultStack(t)
	apiID, _ := s.resource(t, "AWS::ApiGateway::RestApi", "Api")
	stageID, _ := s.resource(t, "AWS::ApiGateway::Stage", "ApiDeploymentStageapi")
	fnIDs := map[string]string{} // logical id → function name
	for _, f := range wantFunctions {
		id, _ := s.resource(t, "AWS::Lambda::Function", f.id)
		fnIDs[id] = f.name
	}
	want := map[string][]string{}
	for _, r := range infra.Routes {
		want[r.Function] = append(want[r.Function], r.Method+" "+regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(r.Path, "*"))
	}
	got := map[string][]string{}
	for id, perm := range s.resourcesOfType("AWS::Lambda::Permission") {
		p := props(perm)
		if p["Principal"] == "events.amazonaws.com" {
			// A schedule (the token refresher's, a sweeper's) may invoke only its own target, and
			// only from its own rule.
			bound := false
			for rid := range s.resourcesOfType("AWS::Events::Rule") {
				bound = bound || refersTo(p["SourceArn"], rid)
			}
			if !bound || p["Action"] != "lambda:InvokeFunction" {
				t.Errorf("permission %s: %v", id, p)
			}
			continue
		}
		fn := ""
		for fid, name := range fnIDs {
			if refersTo(p["FunctionName"], fid) {
				fn = name
			}
		}
		if fn == "" || p["Action"] != "lambda:InvokeFunction" || p["Principal"] != "apigateway.amazonaws.com" {
			t.Errorf("permission %s: %v", id, p)
			continue
		}
		if !refersTo(p["SourceArn"], apiID) || !refersTo(p["SourceArn"], stageID) {
			t.Errorf("permission %s is not bound to this API's stage: %v", id, p["SourceArn"])
			continue
		}
		arn := flatten(p["SourceArn"])
		i := strings.Index(arn, "{"+stageID+"}/")
		if i < 0 {
			t.Errorf("permission %s: %s", id, arn)
			continue
		}
		method, path, _ := strings.Cut(arn[i+len(stageID)+3:], "/")
		if method == "*" || path == "*" || path == "" {
			t.Errorf("permission %s allows %s", id, arn)
		}
		got[fn] = append(got[fn], method+" /"+path)
	}
	t.Logf("invoke permissions: %v", got)
	for fn, routes := range want {
		sort.Strings(routes)
		sort.Strings(got[fn])
		if fmt.Sprint(routes) != fmt.Sprint(got[fn]) {
			t.Errorf("%s may be invoked for %v, want exactly its routes %v", fn, got[fn], routes)
		}
	}
}

// flatten renders a CloudFormation string value (a literal or an Fn::Join) with every
// reference written {LogicalId} (or {Pseudo::Param}).
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if r, ok := x["Ref"].(string); ok {
			return "{" + r + "}"
		}
		if j := list(x["Fn::Join"]); len(j) == 2 {
			var b strings.Builder
			for _, part := range list(j[1]) {
				b.WriteString(flatten(part))
			}
			return b.String()
		}
		raw, _ := json.Marshal(x)
		return string(raw)
	}
	return fmt.Sprint(v)
}

// TestTLSOnly: API Gateway serves HTTPS only (there is no plain-HTTP listener to configure, and
// the stack adds none: no CloudFront, no load balancer); a custom domain, if one is ever added,
// must refuse anything below TLS 1.2; and the functions reach Unico over https only.
func TestTLSOnly(t *testing.T) {
	for name, s := range both(t) {
		for _, typ := range []string{"AWS::CloudFront::Distribution", "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancing::LoadBalancer"} {
			if n := len(s.resourcesOfType(typ)); n != 0 {
				t.Errorf("%s: %d %s", name, n, typ)
			}
		}
		for _, typ := range []string{"AWS::ApiGateway::DomainName", "AWS::ApiGateway::DomainNameV2", "AWS::ApiGatewayV2::DomainName"} {
			for id, d := range s.resourcesOfType(typ) {
				raw, _ := json.Marshal(props(d))
				if !strings.Contains(string(raw), `"TLS_1_2"`) && !strings.Contains(string(raw), `"SecurityPolicy_TLS13`) {
					t.Errorf("%s: custom domain %s without a TLS 1.2+ security policy: %s", name, id, raw)
				}
			}
		}
		for id, fn := range s.resourcesOfType("AWS::Lambda::Function") {
			for k, v := range obj(obj(props(fn)["Environment"])["Variables"]) {
				if strings.HasPrefix(k, "UNICO_") && strings.HasSuffix(k, "_URL") {
					if str, _ := v.(string); !strings.HasPrefix(str, "https://") {
						t.Errorf("%s: %s %s = %v, want https://", name, id, k, v)
					}
				}
			}
		}
	}
}
