package infra

import (
	"encoding/json"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

// Function names: the directory under functions/ and under BuildDir.
const (
	FunctionCreate  = "create"
	FunctionGet     = "get"
	FunctionWebhook = "webhook"
)

// functionSpec is one Lambda function and the only DynamoDB actions it may call.
type functionSpec struct {
	name, id, description string
	timeoutSeconds        float64
	tableActions          []string // on the table
	indexActions          []string // on the table's indexes
	indexes               []string // the indexes indexActions apply to; nil = every index
	noCredentials         bool     // the function never reads the Unico credentials secret
}

// functionSpecs: each function gets exactly what its code calls (shared/dynamostore), no more.
// create and get answer through API Gateway, whose integration timeout is 29 s: 28 s leaves the
// function time to answer with its own error before API Gateway gives up. webhook must
// acknowledge Unico fast (a durable record, then 200), so 10 s.
var functionSpecs = []functionSpec{
	{
		name: FunctionCreate, id: "CreateFunction", timeoutSeconds: 28,
		description: "Creates processes at Unico (POST /v1/processes and the process sub-resources that change them)",
		// BeginIdempotent PutItem, CreateProcess PutItem or TransactWriteItems (Put + Update,
		// and for a review Put process + Put event + Update key),
		// authorised per item as PutItem/UpdateItem/ConditionCheckItem), CompleteIdempotent
		// UpdateItem, ReleaseIdempotent DeleteItem (on its own in-progress lock only).
		tableActions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
	},
	{
		name: FunctionGet, id: "GetFunction", timeoutSeconds: 28,
		description: "Reads processes, lists a tenant's processes and streams artefacts from Unico",
		// GetProcess GetItem, ListProcesses Query (gsi1; the review queue gsi3), and UpdateProcess (a conditional PutItem of the
		// whole item) when a read finds that Unico moved the process forward.
		tableActions: []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"},
		indexActions: []string{"dynamodb:Query"},
	},
	{
		name: FunctionWebhook, id: "WebhookFunction", timeoutSeconds: 10,
		description: "Receives Unico's webhooks (POST /webhooks/unico)",
		// RecordDelivery: one TransactWriteItems of a ConditionCheck (the process is open) and a
		// conditional Put (the delivery item).
		tableActions: []string{"dynamodb:ConditionCheckItem", "dynamodb:PutItem"},
	},
	// The asynchronous side (async.go).
	{
		name: FunctionWorker, id: "WorkerFunction", timeoutSeconds: 60,
		description: "Brings processes up to date after Unico's webhooks (the table's stream)",
		// SyncProcess: GetProcess GetItem, UpdateProcess PutItem, or the outbox transaction of
		// two Puts (process and event). Its stream read is granted in async.go.
		tableActions: []string{"dynamodb:GetItem", "dynamodb:PutItem"},
	},
	{
		name: FunctionSweeper, id: "SweeperFunction", timeoutSeconds: 240,
		description: "Asks Unico about open processes whose webhook is late or lost (scheduled)",
		// DueForSweep Query on gsi2, then as the worker.
		tableActions: []string{"dynamodb:GetItem", "dynamodb:PutItem"},
		indexActions: []string{"dynamodb:Query"}, indexes: []string{IndexOpen},
	},
	{
		name: FunctionNotifier, id: "NotifierFunction", timeoutSeconds: 60,
		description: "Delivers signed events to the tenants' backends (the table's stream and a schedule)",
		// GetEvent GetItem, ClaimEvent and SettleEvent UpdateItem, DueEvents Query on gsi2. It
		// reads the tenants' signing secrets, not the Unico credentials.
		tableActions: []string{"dynamodb:GetItem", "dynamodb:UpdateItem"},
		indexActions: []string{"dynamodb:Query"}, indexes: []string{IndexOpen},
		noCredentials: true,
	},
}

// functions maps a function name to its Lambda function.
type functions map[string]awslambda.Function

func newFunctions(stack awscdk.Stack, p GatewayStackProps, table awsdynamodb.Table, secret awssecretsmanager.Secret,
	key awskms.IKey, tenantKeys *string) functions {
	env := map[string]*string{
		"TABLE_NAME":            table.TableName(),
		"CREDENTIALS_SECRET_ID": secret.SecretArn(),
		"UNICO_AUTH_URL":        jsii.String(p.UnicoHosts.AuthURL),
		"UNICO_BY_UNICO_URL":    jsii.String(p.UnicoHosts.ByUnicoURL),
		"UNICO_BY_CLIENT_URL":   jsii.String(p.UnicoHosts.ByClientURL),
		"UNICO_SIGN_URL":        jsii.String(p.UnicoHosts.SignURL),
		"RETENTION_DAYS":        jsii.String(strconv.Itoa(p.RetentionDays)),
		"LOG_LEVEL":             jsii.String(p.LogLevel),
		// [{"keyId":"<API key id>","tenant":"<name>"}]: API Gateway gives the function the id of
		// the key the caller used; this maps it to the tenant. Resolved at deploy time.
		"TENANT_KEYS": tenantKeys,
	}
	if p.AWSEndpointURL != "" {
		env["AWS_ENDPOINT_URL"] = jsii.String(p.AWSEndpointURL)
	}
	if len(p.CorsOrigins) > 0 {
		// API Gateway answers the preflights; the functions name the origin on their answers.
		origins, _ := json.Marshal(p.CorsOrigins)
		env["CORS_ORIGINS"] = jsii.String(string(origins))
	}
	if p.UnicoSignEvidencePath != "" {
		env["UNICO_SIGN_EVIDENCE_PATH"] = jsii.String(p.UnicoSignEvidencePath)
	}
	env["READ_REFRESH_SECONDS"] = jsii.String(strconv.Itoa(p.ReadRefreshSeconds))
	if p.MinRiskScore != nil {
		env["MIN_RISK_SCORE"] = jsii.String(strconv.FormatFloat(*p.MinRiskScore, 'f', -1, 64))
	}
	// DynamoDB and Secrets Manager call KMS on the function's behalf: the key may be used
	// through them only.
	viaServices := &map[string]any{"StringEquals": map[string]any{"kms:ViaService": []*string{
		awscdk.Fn_Sub(jsii.String("dynamodb.${AWS::Region}.${AWS::URLSuffix}"), nil),
		awscdk.Fn_Sub(jsii.String("secretsmanager.${AWS::Region}.${AWS::URLSuffix}"), nil),
	}}}

	fns := functions{}
	for _, spec := range functionSpecs {
		// An explicit role without AWSLambdaBasicExecutionRole, whose logs:* on "*" is more
		// than a function writing to its own log group needs.
		role := awsiam.NewRole(stack, jsii.String(spec.id+"Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Execution role of the " + spec.name + " function"),
		})
		logs := awslogs.NewLogGroup(stack, jsii.String(spec.id+"Logs"), &awslogs.LogGroupProps{
			Retention: logRetention[p.LogRetentionDays],
		})
		logs.GrantWrite(role)

		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("Table"),
			Actions:   jsii.Strings(spec.tableActions...),
			Resources: jsii.Strings(*table.TableArn()),
		}))
		if len(spec.indexActions) > 0 {
			indexes := spec.indexes
			if indexes == nil {
				indexes = []string{IndexTenant, IndexOpen, IndexReview}
			}
			var arns []string
			for _, ix := range indexes {
				arns = append(arns, *table.TableArn()+"/index/"+ix)
			}
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("TableIndexes"),
				Actions:   jsii.Strings(spec.indexActions...),
				Resources: jsii.Strings(arns...),
			}))
		}
		if !spec.noCredentials {
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("CredentialsSecret"),
				Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
				Resources: jsii.Strings(*secret.SecretArn()),
			}))
		}
		// Every function writes to the table, so every function needs GenerateDataKey too.
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DataKey"),
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  jsii.Strings(*key.KeyArn()),
			Conditions: viaServices,
		}))

		fns[spec.name] = awslambda.NewFunction(stack, jsii.String(spec.id), &awslambda.FunctionProps{
			Description:           jsii.String(spec.description),
			Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:          awslambda.Architecture_ARM_64(),
			Handler:               jsii.String("bootstrap"),
			Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(p.BuildDir, spec.name)), nil),
			MemorySize:            jsii.Number(float64(p.MemorySize)),
			Timeout:               awscdk.Duration_Seconds(jsii.Number(spec.timeoutSeconds)),
			Role:                  role,
			Environment:           &env,
			Tracing:               awslambda.Tracing_ACTIVE, // adds xray:PutTraceSegments/PutTelemetryRecords on "*" (X-Ray has no resource ARNs)
			LogGroup:              logs,
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: appLogLevel[p.LogLevel],
			SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
		})
	}
	return fns
}

// appLogLevel maps LOG_LEVEL to Lambda's filter for JSON application logs, so that Lambda
// drops exactly what the function's own logger would.
var appLogLevel = map[string]awslambda.ApplicationLogLevel{
	"DEBUG": awslambda.ApplicationLogLevel_DEBUG,
	"INFO":  awslambda.ApplicationLogLevel_INFO,
	"WARN":  awslambda.ApplicationLogLevel_WARN,
	"ERROR": awslambda.ApplicationLogLevel_ERROR,
}

// logRetention maps a number of days to CloudWatch Logs' retention values.
var logRetention = map[int]awslogs.RetentionDays{
	NeverExpireLogs: awslogs.RetentionDays_INFINITE,
	1:               awslogs.RetentionDays_ONE_DAY,
	3:               awslogs.RetentionDays_THREE_DAYS,
	5:               awslogs.RetentionDays_FIVE_DAYS,
	7:               awslogs.RetentionDays_ONE_WEEK,
	14:              awslogs.RetentionDays_TWO_WEEKS,
	30:              awslogs.RetentionDays_ONE_MONTH,
	60:              awslogs.RetentionDays_TWO_MONTHS,
	90:              awslogs.RetentionDays_THREE_MONTHS,
	120:             awslogs.RetentionDays_FOUR_MONTHS,
	150:             awslogs.RetentionDays_FIVE_MONTHS,
	180:             awslogs.RetentionDays_SIX_MONTHS,
	365:             awslogs.RetentionDays_ONE_YEAR,
	400:             awslogs.RetentionDays_THIRTEEN_MONTHS,
	545:             awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731:             awslogs.RetentionDays_TWO_YEARS,
	1096:            awslogs.RetentionDays_THREE_YEARS,
	1827:            awslogs.RetentionDays_FIVE_YEARS,
	2192:            awslogs.RetentionDays_SIX_YEARS,
	2557:            awslogs.RetentionDays_SEVEN_YEARS,
	2922:            awslogs.RetentionDays_EIGHT_YEARS,
	3288:            awslogs.RetentionDays_NINE_YEARS,
	3653:            awslogs.RetentionDays_TEN_YEARS,
}

// withLocalStackEndpoint gives fn AWS_ENDPOINT_URL when the stack targets LocalStack
// (awsEndpointUrl); every function of the stack goes through it.
func withLocalStackEndpoint(fn awslambda.Function, p GatewayStackProps) {
	if p.AWSEndpointURL != "" {
		fn.AddEnvironment(jsii.String("AWS_ENDPOINT_URL"), jsii.String(p.AWSEndpointURL), nil)
	}
}
