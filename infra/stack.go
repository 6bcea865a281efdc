package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/shared/unico"
)

// Table layout, shared with shared/dynamostore.CreateTable (the local stack's copy).
const (
	TTLAttribute = "ttl"
	IndexTenant  = "gsi1" // a tenant's processes, newest first (listing)
	IndexOpen    = "gsi2" // open processes by next sweeper check, pending and parked outbound events (shared/dynamostore)
	IndexReview  = "gsi3" // a tenant's processes waiting for a person's review, oldest first (the review queue)
)

// NewGatewayStack defines the whole gateway. props may be nil (every default); invalid props
// panic with every problem listed, since the stack cannot be built from them.
func NewGatewayStack(scope constructs.Construct, id string, props *GatewayStackProps) awscdk.Stack {
	var p GatewayStackProps
	if props != nil {
		p = *props
	}
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("infra: invalid stack props:\n%v", err))
	}
	checkBuildDir(p.BuildDir)

	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		// No env: the stack is environment-agnostic, so synth makes no AWS call and one
		// template deploys to any account and region.
		Description: jsii.String("Unico IDCloud gateway: REST API, Lambda functions, DynamoDB state, credentials secret"),
	})

	// One customer-managed key for the data at rest that holds personal data: the table (and
	// its stream) and the credentials secret. Customer-managed, so that operators control the
	// key policy, see its use in CloudTrail and can revoke it; rotated yearly by KMS. RETAIN
	// (the default) because deleting it would make the retained table unreadable.
	key := awskms.NewKey(stack, jsii.String("DataKey"), &awskms.KeyProps{
		Description:       jsii.String("Unico gateway: DynamoDB table and credentials secret"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})

	table := newTable(stack, key)
	secret := newCredentialsSecret(stack, key, p)

	api := newAPI(stack, p)
	fns := newFunctions(stack, p, table, secret, key, api.tenantKeys)
	api.addRoutes(fns)
	async := newAsync(stack, p, table, key, fns)

	tokens := newTokenSharing(stack, p, secret, key, fns)
	if p.SAMLocal {
		declareSAMLocalVariables(fns, tokens.refresher)
	}

	addAlarm, alarmAction := newAlarms(stack, p, fns, api.api)
	tokens.addAlarms(stack, addAlarm)
	async.addAlarms(stack, alarmAction)
	addObservability(stack, api, fns, tokens.refresher, async.dlq, alarmAction)

	out := func(id, value, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: jsii.String(value), Description: jsii.String(description)})
	}
	out("ApiUrl", *api.api.Url(), "Base URL of the public API (append v1/...)")
	out("WebhookUrl", *api.api.UrlForPath(jsii.String(webhookPath)), "URL to register at Unico as the webhook target")
	out("TableName", *table.TableName(), "DynamoDB table holding the processes")
	out("CredentialsSecretArn", *secret.SecretArn(), "Secrets Manager secret to fill with the Unico credentials")
	for _, t := range api.tenants {
		// The id only: `aws apigateway get-api-key --api-key <id> --include-value` shows the key
		// to whoever may see it; a key value in an output would leak into every stack reader.
		out("ApiKeyId"+constructID(t.tenant.Name), *t.key.KeyId(), "API key id of tenant "+t.tenant.Name)
	}
	return stack
}

func newTable(stack awscdk.Stack, key awskms.IKey) awsdynamodb.Table {
	s := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        s("pk"),
		SortKey:             s("sk"),
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
		// The stream carries state changes to consumers (outbound notifications) and is
		// encrypted with the table's key.
		Stream: awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES,
		// Verifications are audit records: a stack deletion must not delete them.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(IndexTenant),
		PartitionKey:   s("gsi1pk"),
		SortKey:        s("gsi1sk"),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(IndexOpen),
		PartitionKey:   s("gsi2pk"),
		SortKey:        s("gsi2sk"),
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})
	// Sparse: only processes waiting for a review carry gsi3pk (shared/dynamostore/review.go).
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(IndexReview),
		PartitionKey:   s("gsi3pk"),
		SortKey:        s("gsi3sk"),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

// newCredentialsSecret creates the secret operators fill with the Unico credentials
// (shared/unico.Credentials). It starts as that document's skeleton with empty fields and a
// random cpfHashKey, so the CPF hash key exists from the first deploy and never needs a human.
func newCredentialsSecret(stack awscdk.Stack, key awskms.IKey, p GatewayStackProps) awssecretsmanager.Secret {
	return awssecretsmanager.NewSecret(stack, jsii.String("CredentialsSecret"), &awssecretsmanager.SecretProps{
		Description:   jsii.String("Unico IDCloud credentials for the gateway (see shared/unico/credentials.go); cpfHashKey is generated"),
		EncryptionKey: key,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(credentialsSkeleton(p.UnicoEnvironment)),
			GenerateStringKey:    jsii.String("cpfHashKey"),
			PasswordLength:       jsii.Number(64),
			ExcludePunctuation:   jsii.Bool(true),
			IncludeSpace:         jsii.Bool(false),
		},
		// The CPF hash key makes every stored CPF lookup work; losing it orphans them.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// credentialsSkeleton is unico.Credentials with empty fields, minus cpfHashKey (Secrets
// Manager adds the generated value under that key).
func credentialsSkeleton(env string) string {
	c := unico.Credentials{
		Environment: env,
		APIKeys: map[string]string{
			unico.CapabilityLiveness: "", unico.CapabilityIdentity: "", unico.CapabilityRiskScore: "",
			unico.CapabilityOneToOne: "", unico.CapabilityDocuments: "",
		},
		Webhook: []unico.WebhookCredential{},
	}
	raw, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	delete(m, "cpfHashKey")
	raw, err = json.Marshal(m) // sorted keys: a stable template
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// checkBuildDir fails early with a useful message: Code_FromAsset would fail later with a bare
// "Cannot find asset".
func checkBuildDir(dir string) {
	var missing []string
	names := []string{FunctionTokenRefresher}
	for _, f := range functionSpecs {
		names = append(names, f.name)
	}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, name, "bootstrap")); err != nil {
			missing = append(missing, filepath.Join(dir, name, "bootstrap"))
		}
	}
	if len(missing) > 0 {
		panic(fmt.Sprintf("infra: missing %s: run `bash scripts/build-lambdas.sh` first (buildDir %q)",
			strings.Join(missing, ", "), dir))
	}
}

// constructID turns a tenant name into a CloudFormation-safe identifier part: "acme-bank" →
// "AcmeBank". Validate rejects two tenants that map to the same id.
func constructID(name string) string {
	var b strings.Builder
	upper := true
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			if upper {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			upper = false
		case r >= '0' && r <= '9' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
}
