package infra

import (
	"math"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/metrics"
	"github.com/unicogw/gateway/shared/workers"
)

// Functions of the asynchronous side: the worker (the table's stream → GetProcess for every
// recorded webhook), the sweeper (a schedule → open processes whose webhook is late or lost)
// and the notifier (the table's stream and a schedule → signed events to the tenants).
const (
	FunctionWorker   = "worker"
	FunctionSweeper  = "sweeper"
	FunctionNotifier = "notifier"
)

// Schedules and the stream mappings' failure handling.
const (
	SweepSchedule    = 5 // minutes between sweeper runs
	DispatchSchedule = 1 // minutes between the notifier's retry passes
	// StreamRetries: a failing stream batch is retried this often (bisected on each function
	// error) before its coordinates go to the dead-letter queue. With the worker's own retries
	// inside each invocation, that covers a Unico outage of several minutes; the sweeper covers
	// longer ones.
	StreamRetries      = 10
	StreamMaxRecordAge = 6 // hours: older records go to the dead-letter queue without more tries
	// sweepSeconds is the part of the sweeper's 240 s timeout spent reading Unico: the run's
	// budget is sweepRatePerSecond × sweepSeconds processes.
	sweepSeconds = 200
)

// MetricOutboundParked is the notifier's metric of parked events (namespace metrics.Namespace,
// dimension Stack), alarmed.
const MetricOutboundParked = domain.MetricOutboundParked

type asyncResources struct {
	dlq     awssqs.Queue
	fns     functions
	secrets map[string]awssecretsmanager.Secret // tenant → signing secret
}

// newAsync wires the asynchronous side onto the functions newFunctions made: the tenants'
// signing secrets and the TENANT_CALLBACKS and SWEEP_* variables, the two event source mappings
// on the table's stream with their dead-letter queue, and the two schedules.
func newAsync(stack awscdk.Stack, p GatewayStackProps, table awsdynamodb.Table, key awskms.IKey, fns functions) *asyncResources {
	a := &asyncResources{fns: fns, secrets: map[string]awssecretsmanager.Secret{}}

	// One signing secret per tenant with a callback. Generated letters and digits are valid
	// base64: the tenant's receiver uses "whsec_" + the value (shared/outbound).
	callbacks := []map[string]any{}
	for _, t := range p.Tenants {
		if t.CallbackURL == "" {
			continue
		}
		s := awssecretsmanager.NewSecret(stack, jsii.String("OutboundSecret"+constructID(t.Name)), &awssecretsmanager.SecretProps{
			Description:   jsii.String("Signing secret of the events sent to tenant " + t.Name + " (Standard Webhooks: whsec_ + signingSecret)"),
			EncryptionKey: key,
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String("{}"), GenerateStringKey: jsii.String("signingSecret"),
				PasswordLength: jsii.Number(44), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
			},
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN, // the tenant's receiver holds it
		})
		a.secrets[t.Name] = s
		callbacks = append(callbacks, map[string]any{"tenant": t.Name, "url": t.CallbackURL, "secretId": *s.SecretArn()})
		awscdk.NewCfnOutput(stack, jsii.String("OutboundSecretArn"+constructID(t.Name)), &awscdk.CfnOutputProps{
			Value:       s.SecretArn(),
			Description: jsii.String("Secret holding the signing key of tenant " + t.Name + "'s events (give it \"whsec_\" + signingSecret)"),
		})
	}
	tenantCallbacks := jsii.String("[]")
	if len(callbacks) > 0 {
		// The ARNs are tokens: rendered through the stack, they resolve at deploy time.
		tenantCallbacks = stack.ToJsonString(callbacks, nil)
	}
	for _, spec := range functionSpecs {
		fn := fns[spec.name]
		fn.AddEnvironment(jsii.String("TENANT_CALLBACKS"), tenantCallbacks, nil)
		fn.AddEnvironment(jsii.String("SWEEP_AFTER"), jsii.String(strconv.Itoa(p.SweepAfterMinutes)+"m"), nil)
	}
	sweeper := fns[FunctionSweeper]
	sweeper.AddEnvironment(jsii.String("SWEEP_RATE"), jsii.String(strconv.FormatFloat(p.SweepRatePerSecond, 'f', -1, 64)), nil)
	sweeper.AddEnvironment(jsii.String("SWEEP_MAX_PER_RUN"), jsii.String(strconv.Itoa(int(math.Max(1, math.Ceil(p.SweepRatePerSecond*sweepSeconds))))), nil)

	notifier := fns[FunctionNotifier]
	if len(a.secrets) > 0 {
		var arns []string
		for _, t := range p.Tenants {
			if s, ok := a.secrets[t.Name]; ok {
				arns = append(arns, *s.SecretArn())
			}
		}
		notifier.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("OutboundSecrets"), Actions: jsii.Strings("secretsmanager:GetSecretValue"), Resources: jsii.Strings(arns...),
		}))
	}

	// The dead-letter queue of both mappings. Lambda sends it the coordinates of a failed batch
	// (shard, sequence numbers), never the records: no personal data; SQS-managed encryption.
	a.dlq = awssqs.NewQueue(stack, jsii.String("StreamDeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	for _, m := range []struct {
		id, fn, filter string
	}{
		{"WorkerStreamMapping", FunctionWorker, workers.WorkerFilter},
		{"NotifierStreamMapping", FunctionNotifier, workers.NotifierFilter},
	} {
		fn := fns[m.fn]
		// Only what a stream consumer needs, on this table's stream (no ListStreams on "*").
		fn.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("TableStream"),
			Actions:   jsii.Strings("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
			Resources: jsii.Strings(*table.TableStreamArn()),
		}))
		esm := awslambda.NewEventSourceMapping(stack, jsii.String(m.id), &awslambda.EventSourceMappingProps{
			Target:                  fn,
			EventSourceArn:          table.TableStreamArn(),
			StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
			BatchSize:               jsii.Number(10),
			BisectBatchOnError:      jsii.Bool(true),
			RetryAttempts:           jsii.Number(StreamRetries),
			MaxRecordAge:            awscdk.Duration_Hours(jsii.Number(StreamMaxRecordAge)),
			ReportBatchItemFailures: jsii.Bool(true),
			OnFailure:               awslambdaeventsources.NewSqsDlq(a.dlq),
			Filters:                 &[]*map[string]any{{"pattern": jsii.String(m.filter)}},
		})
		esm.Node().AddDependency(fn.Role()) // Lambda checks the stream permissions when it creates the mapping
	}

	schedule := func(id, description string, minutes float64, fn awslambda.Function) {
		awsevents.NewRule(stack, jsii.String(id), &awsevents.RuleProps{
			Description: jsii.String(description),
			Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(minutes))),
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
				RetryAttempts: jsii.Number(0), // the next run comes soon enough
			})},
		})
	}
	schedule("SweeperSchedule", "Runs the sweeper: open verifications whose webhook is late or lost", SweepSchedule, sweeper)
	schedule("DispatchSchedule", "Runs the notifier's retries of outbound events that are due", DispatchSchedule, notifier)

	awscdk.NewCfnOutput(stack, jsii.String("StreamDeadLetterQueueUrl"), &awscdk.CfnOutputProps{
		Value:       a.dlq.QueueUrl(),
		Description: jsii.String("Stream batches the worker or notifier gave up on (shard and sequence numbers); the sweeper closes their processes anyway"),
	})
	return a
}

// addAlarms: anything in the dead-letter queue, any parked outbound event, and a worker that
// falls behind its stream.
func (a *asyncResources) addAlarms(stack awscdk.Stack, action awscloudwatch.IAlarmAction) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) {
		al := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		al.AddAlarmAction(action)
		al.AddOkAction(action)
	}
	alarm("StreamDeadLetterAlarm", "A stream batch landed in the dead-letter queue: the worker or notifier gave up on it (the sweeper still closes its processes).",
		a.dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}), 1)
	alarm("OutboundParkedAlarm", "An outbound event was parked: a tenant's backend failed every attempt (replay it with POST /v1/processes/{id}/notifications).",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(MetricOutboundParked),
			DimensionsMap: &map[string]*string{metrics.DimensionStack: stack.StackName()}, Period: five, Statistic: jsii.String("Sum")}), 1)
	alarm("WorkerIteratorAgeAlarm", "The worker is more than 5 minutes behind the table's stream.",
		a.fns[FunctionWorker].Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}), 5*60*1000)
}
