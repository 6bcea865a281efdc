package infra

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ApplyNag puts cdk-nag's AwsSolutions and Serverless rule packs on the stack, with the
// project's suppressions (below, the only place they are written). Findings become error and
// warning annotations: synthesis fails on an error (`cdk synth` and every template test), and
// template-tests fail on any warning too. infra/app calls it, and so does every stack the
// template tests synthesize.
func ApplyNag(stack awscdk.Stack, p GatewayStackProps) {
	p = p.WithDefaults()
	props := &cdknag.NagPackProps{Reports: jsii.Bool(false)}
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(stack).Add(cdknag.NewServerlessChecks(props), nil)

	root := *stack.Node().Path() + "/"
	var paths []string
	byPath := map[string]awscdk.CfnResource{}
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := c.(awscdk.CfnResource); ok {
			path := strings.TrimPrefix(*c.Node().Path(), root)
			paths = append(paths, path)
			byPath[path] = r
		}
	}
	for _, s := range nagSuppressions(p) {
		re := regexp.MustCompile("^(?:" + s.path + ")$")
		matched := 0
		for _, path := range paths {
			if !re.MatchString(path) {
				continue
			}
			matched++
			var list []*cdknag.NagPackSuppression
			for _, rule := range s.rules {
				sup := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(s.reason)}
				if len(s.appliesTo) > 0 {
					applies := make([]any, len(s.appliesTo))
					for i, a := range s.appliesTo {
						applies[i] = a
					}
					sup.AppliesTo = &applies
				}
				list = append(list, sup)
			}
			cdknag.NagSuppressions_AddResourceSuppressions(byPath[path], &list, jsii.Bool(false))
		}
		// A suppression that matches nothing is stale (the resource moved or was renamed):
		// refuse it, so that the list stays the list of what is really accepted.
		if matched == 0 && !s.optional {
			panic(fmt.Sprintf("infra: cdk-nag suppression %v for %q matches no resource", s.rules, s.path))
		}
	}
}

// nagSuppression accepts rules on the resources whose construct path (relative to the stack,
// ending in /Resource for L2 constructs) matches path, a regular expression.
type nagSuppression struct {
	path      string
	rules     []string
	appliesTo []string // finding ids within the rule (e.g. "Resource::*"); empty: the whole rule
	reason    string
	optional  bool // the resource exists only with some context (options)
}

// nagSuppressions is every cdk-nag finding the project accepts, and why. Each reason names
// what a reviewer can check (a file, a test, a setting). Findings that were real are fixed in
// the stack instead (request validation on every method: infra/api.go, AwsSolutions-APIG2).
func nagSuppressions(p GatewayStackProps) []nagSuppression {
	list := []nagSuppression{
		{
			path:  `Api/Default/.*/(GET|POST|PUT)/Resource`,
			rules: []string{"AwsSolutions-APIG4", "AwsSolutions-COG4"},
			reason: "Callers are app backends, not end users: each /v1 method requires its tenant's API key (ApiKeyRequired, " +
				"usage plans; template-tests/api_test.go). POST /webhooks/unico cannot carry IAM or Cognito credentials " +
				"(Unico sends Basic or API-key auth, configured at Unico); the webhook function checks it in constant time " +
				"(shared/httpapi/webhook.go).",
		},
		{
			path:     `Api/Default/.*/OPTIONS/Resource`,
			rules:    []string{"AwsSolutions-APIG4", "AwsSolutions-COG4"},
			reason:   "CORS preflight (only with the corsOrigins context): a mock integration answered by API Gateway itself; browsers send preflights without credentials.",
			optional: true,
		},
		{
			path:  `Api/DeploymentStage\.` + StageName + `/Resource`,
			rules: []string{"AwsSolutions-APIG6"},
			reason: "Execution logging is off on purpose (infra/api.go): data tracing would log request and response bodies " +
				"(CPF, names), and execution logs go to a log group API Gateway creates without retention. The stage writes " +
				"JSON access logs without bodies to ApiAccessLogs instead.",
		},
		{
			path:      `Api/CloudWatchRole/Resource`,
			rules:     []string{"AwsSolutions-IAM4"},
			appliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
			reason: "The account's API Gateway logging role (context apiGatewayCloudWatchRole), created by CDK with the managed " +
				"policy AWS documents for it; it only lets API Gateway write logs.",
			optional: true,
		},
		{
			path:      `[A-Za-z]+Role/DefaultPolicy/Resource`,
			rules:     []string{"AwsSolutions-IAM5"},
			appliesTo: []string{"Resource::*"},
			reason: "Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) use Resource *: X-Ray has no " +
				"resource-level permissions. template-tests/iam_test.go (TestNoWildcards) fails on any other action on *.",
		},
		{
			path:  `CredentialsSecret/Resource`,
			rules: []string{"AwsSolutions-SMG4"},
			reason: "Holds the Unico service-account key and API keys, which Unico issues: no rotation Lambda can mint them. " +
				"Operators rotate them at Unico and put the new values in the secret, picked up within SECRETS_TTL without a " +
				"deploy (docs/runbook.md, credentials rotation).",
		},
		{
			path:  `TokenSecret/Resource`,
			rules: []string{"AwsSolutions-SMG4"},
			reason: "The shared Unico access token: the token refresher rewrites it ahead of expiry on its schedule " +
				"(infra/tokens.go, shared/tokenshare); that is its rotation.",
		},
		{
			path:  `StreamDeadLetterQueue/Resource`,
			rules: []string{"AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"},
			reason: "This queue is the dead-letter queue of the stream mappings (infra/async.go); a dead-letter queue of its " +
				"own would only move the same records. StreamDeadLetterAlarm fires on its first message.",
		},
		{
			path:  `(SweeperSchedule|DispatchSchedule|TokenRefresherSchedule)/Resource`,
			rules: []string{"Serverless-EventBusDLQ"},
			reason: "Rate schedules with no payload, RetryAttempts 0 on purpose: the next run (1 or 5 minutes later) does " +
				"the same work, so a dead letter would hold only empty schedule events. A failing run raises the function's " +
				"Errors alarm (infra/alarms.go).",
		},
		{
			path:  `TokenRefresherFunction/EventInvokeConfig/Resource`,
			rules: []string{"Serverless-LambdaAsyncFailureDestination"},
			reason: "The refresher's only asynchronous caller is its schedule (no payload); a failed run is not retried " +
				"(Unico locks the account after repeated failed assertions) and the next run retries within the refresh " +
				"window. Failures raise TokenRefresherErrors and the refresh alarms (infra/tokens.go).",
		},
		{
			path:  `(Create|Get|Webhook)Function/Resource`,
			rules: []string{"Serverless-LambdaDLQ"},
			reason: "Invoked synchronously by API Gateway (Lambda-proxy integration): a dead-letter queue applies only " +
				"to asynchronous invocations, and the caller gets the error answer.",
		},
		{
			path:  `(Worker|Notifier)Function/Resource`,
			rules: []string{"Serverless-LambdaDLQ"},
			reason: "Invoked by DynamoDB stream event source mappings, whose on-failure destination is StreamDeadLetterQueue " +
				"(infra/async.go); the notifier's schedule carries no payload (see the schedules' reason).",
		},
		{
			path:  `(Sweeper|TokenRefresher)Function/Resource`,
			rules: []string{"Serverless-LambdaDLQ"},
			reason: "Invoked only by its rate schedule, with no payload: the next run does the same work, so a " +
				"dead-letter queue would hold only empty schedule events. Failures raise the function's Errors alarm.",
		},
	}
	list = append(list,
		nagSuppression{
			path:  `OutboundSecret[A-Za-z0-9]+/Resource`,
			rules: []string{"AwsSolutions-SMG4"},
			reason: "A tenant's key for the signed events we send it, shared with that tenant: rotating it needs the " +
				"tenant's receiver to accept the new key first, so it is rotated by hand with an overlap " +
				"(previousSigningSecret, both signatures sent; docs/runbook.md, Rotating).",
			optional: true, // only tenants with a callbackUrl have one
		},
		nagSuppression{
			path:  `AlarmTopic/.+/Resource`,
			rules: []string{"Serverless-SNSRedrivePolicy"},
			reason: "The alarmEmail context's e-mail subscription: an alarm e-mail that cannot be delivered is not worth " +
				"replaying from a queue; the alarm's state and history stay in CloudWatch.",
			optional: true, // only with alarmEmail
		},
	)
	if p.WafWebAclArn == "" {
		list = append(list, nagSuppression{
			path:  `Api/DeploymentStage\.` + StageName + `/Resource`,
			rules: []string{"AwsSolutions-APIG3"},
			reason: "WAF is the operator's choice: the context key wafWebAclArn associates an existing web ACL with the " +
				"stage (infra/props.go; template-tests check the association). This synthesis has none.",
		})
	}
	return list
}
