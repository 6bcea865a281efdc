package infra

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/shared/metrics"
)

// FunctionTokenRefresher is the scheduled function that keeps the shared Unico access token
// fresh (functions/tokenrefresher, shared/tokenshare).
const FunctionTokenRefresher = "tokenrefresher"

// Token sharing. The values match shared/tokenshare's defaults (template-tests check it): the
// refresher runs every TokenRefreshSchedule and writes a new token when the shared one has less
// than TokenRefreshWindow left, so each token (60 min at Unico) is written once, 45–50 minutes
// after the previous one: never more often than AWS's one PutSecretValue per 10 minutes.
const (
	TokenRefreshScheduleMinutes = 5
	TokenRefreshWindow          = "15m"
)

// tokenSharing is the token secret, its one writer and what watches them.
type tokenSharing struct {
	secret    awssecretsmanager.Secret
	refresher awslambda.Function
}

// newTokenSharing creates the token secret (encrypted with the data key), the refresher
// function with its schedule, and gives the API functions read access to the secret and its id
// (TOKEN_SECRET_ID). Only the refresher may write the secret.
func newTokenSharing(stack awscdk.Stack, p GatewayStackProps, creds awssecretsmanager.Secret, key awskms.IKey, fns functions) *tokenSharing {
	secret := awssecretsmanager.NewSecret(stack, jsii.String("TokenSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Unico access token shared by the gateway's functions; written by the token refresher only"),
		// The same customer-managed key as the credentials: the token is a bearer credential.
		EncryptionKey: key,
		// No token yet: "{}" (tokenshare.EmptyDocument). Nothing secret is in the template.
		SecretStringValue: awscdk.SecretValue_UnsafePlainText(jsii.String("{}")),
		// A token lives an hour; nothing to keep when the stack goes.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	role := awsiam.NewRole(stack, jsii.String("TokenRefresherRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the token refresher function"),
	})
	logs := awslogs.NewLogGroup(stack, jsii.String("TokenRefresherLogs"), &awslogs.LogGroupProps{
		Retention: logRetention[p.LogRetentionDays],
	})
	logs.GrantWrite(role)
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("CredentialsSecret"),
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: jsii.Strings(*creds.SecretArn()),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("TokenSecretWrite"),
		Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"),
		Resources: jsii.Strings(*secret.SecretArn()),
	}))
	// Secrets Manager decrypts (GetSecretValue) and encrypts (PutSecretValue) with the key on
	// the function's behalf; the key may be used through Secrets Manager only.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DataKey"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources: jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": []*string{
			awscdk.Fn_Sub(jsii.String("secretsmanager.${AWS::Region}.${AWS::URLSuffix}"), nil),
		}}},
	}))

	refresher := awslambda.NewFunction(stack, jsii.String("TokenRefresherFunction"), &awslambda.FunctionProps{
		Description:  jsii.String("Mints the Unico access token shortly before the shared one expires and writes it to the token secret"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(p.BuildDir, FunctionTokenRefresher)), nil),
		MemorySize:   jsii.Number(128),
		// A mint (10 s at most) and two Secrets Manager calls.
		Timeout: awscdk.Duration_Seconds(jsii.Number(30)),
		Role:    role,
		Environment: &map[string]*string{
			"CREDENTIALS_SECRET_ID": creds.SecretArn(),
			"TOKEN_SECRET_ID":       secret.SecretArn(),
			"UNICO_AUTH_URL":        jsii.String(p.UnicoHosts.AuthURL),
			"TOKEN_REFRESH_WINDOW":  jsii.String(TokenRefreshWindow),
			"STACK_NAME":            stack.StackName(),
			"LOG_LEVEL":             jsii.String(p.LogLevel),
		},
		// A failed run is not retried: the next scheduled run (5 minutes later, still inside the
		// window) tries again, and retries would only add failed assertions while Unico refuses
		// them (it locks the account after repeated failures).
		RetryAttempts:         jsii.Number(0),
		Tracing:               awslambda.Tracing_ACTIVE,
		LogGroup:              logs,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: appLogLevel[p.LogLevel],
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
	})
	withLocalStackEndpoint(refresher, p)
	awsevents.NewRule(stack, jsii.String("TokenRefresherSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Runs the token refresher; it writes only when the shared token is within its refresh window"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(TokenRefreshScheduleMinutes))),
		Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(refresher, nil)},
	})

	// The functions that call Unico read the token secret (never write it) and tag their
	// metrics; the notifier never calls Unico.
	for _, spec := range functionSpecs {
		fn := fns[spec.name]
		fn.AddEnvironment(jsii.String("STACK_NAME"), stack.StackName(), nil)
		if spec.noCredentials {
			continue
		}
		fn.AddEnvironment(jsii.String("TOKEN_SECRET_ID"), secret.SecretArn(), nil)
		fn.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("TokenSecretRead"),
			Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
			Resources: jsii.Strings(*secret.SecretArn()),
		}))
	}

	awscdk.NewCfnOutput(stack, jsii.String("TokenSecretArn"), &awscdk.CfnOutputProps{
		Value:       secret.SecretArn(),
		Description: jsii.String("Secrets Manager secret holding the shared Unico access token (written by the token refresher)"),
	})
	return &tokenSharing{secret: secret, refresher: refresher}
}

// addAlarms: the authentication circuit opened somewhere in the fleet (Unico refuses the
// service account: minting is suspended and creates answer 503), and the refresher failing
// twice within 15 minutes (the shared token is then close to the point where every container
// mints its own).
func (ts *tokenSharing) addAlarms(stack awscdk.Stack, alarm func(id, description string, metric awscloudwatch.Metric, o *awscloudwatch.CreateAlarmOptions)) {
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	circuit := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(metrics.Namespace),
		MetricName:    jsii.String(metrics.UnicoAuthCircuitOpen),
		DimensionsMap: &map[string]*string{metrics.DimensionStack: stack.StackName()},
		Period:        fiveMinutes,
		Statistic:     jsii.String("Sum"),
	})
	alarm("UnicoAuthCircuitOpen", "Unico refused the service account's assertions repeatedly (or locked it, 1.2.18): token minting is "+
		"suspended for a cool-down and requests that need a new token answer 503. Check the credentials secret.", circuit, nil)
	alarm("TokenRefreshFailures", "The token refresher failed twice within 15 minutes: the shared Unico token is not being renewed "+
		"and containers will soon mint their own. See the refresher's logs.",
		ts.refresher.MetricErrors(&awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Sum")}),
		&awscloudwatch.CreateAlarmOptions{EvaluationPeriods: jsii.Number(3), DatapointsToAlarm: jsii.Number(2)})
}
