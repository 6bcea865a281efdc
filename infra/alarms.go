package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
)

// newAlarms creates the alarm topic (with the optional e-mail subscription) and the alarms that
// tell operators the gateway is failing: function errors and throttles (the API's 5xx rate and
// throttling: observability.go).
// The topic carries alarm notifications only, never personal data, so it keeps SNS's default
// encryption instead of the data key (CloudWatch would need a grant on that key to publish).
//
// It returns a function that adds more alarms notifying the same topic (o may override the
// evaluation periods and datapoints), and the topic's alarm action for alarms built elsewhere.
func newAlarms(stack awscdk.Stack, p GatewayStackProps, fns functions, api awsapigateway.RestApi) (addAlarmFunc, awscloudwatch.IAlarmAction) {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Unico gateway alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if p.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(p.AlarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(topic)
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Sum")}

	alarmWith := func(id, description string, metric awscloudwatch.Metric, o *awscloudwatch.CreateAlarmOptions) {
		opts := &awscloudwatch.CreateAlarmOptions{
			AlarmDescription:   jsii.String(description),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
		if o != nil && o.EvaluationPeriods != nil {
			opts.EvaluationPeriods, opts.DatapointsToAlarm = o.EvaluationPeriods, o.DatapointsToAlarm
		}
		a := metric.CreateAlarm(stack, jsii.String(id), opts)
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	alarm := func(id, description string, metric awscloudwatch.Metric) { alarmWith(id, description, metric, nil) }
	for _, spec := range functionSpecs {
		fn := fns[spec.name]
		alarm(spec.id+"Errors", "The "+spec.name+" function failed (an error the runtime saw, not an HTTP error answer).", fn.MetricErrors(sum))
		alarm(spec.id+"Throttles", "The "+spec.name+" function was throttled by Lambda's concurrency limit.", fn.MetricThrottles(sum))
	}
	// The API's 5xx rate, API Gateway's and Unico's 429s: observability.go.

	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Value:       topic.TopicArn(),
		Description: jsii.String("SNS topic the alarms notify; subscribe more endpoints to it"),
	})
	return alarmWith, action
}

// addAlarmFunc adds an alarm on metric that notifies the alarm topic.
type addAlarmFunc = func(id, description string, metric awscloudwatch.Metric, o *awscloudwatch.CreateAlarmOptions)
