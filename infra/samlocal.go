package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// SAMLocalVariables are the variables the sam local env file (local/devstack, SAMEnv) sets that
// the deployed functions do not carry. sam local only overrides variables the template
// declares, so a template synthesized with the samLocal context key declares them, empty, on
// every function; the deployed template never has them (template-tests check both).
var SAMLocalVariables = []string{
	"AWS_ENDPOINT_URL_DYNAMODB",        // DynamoDB Local
	"AWS_ENDPOINT_URL_SECRETS_MANAGER", // the local Secrets Manager endpoint
	"UNICO_AUDIENCE",                   // the simulator's audience (its URL as the host sees it)
	"TENANT_WITHOUT_API_KEY",           // sam local does not emulate API keys
}

// declareSAMLocalVariables declares SAMLocalVariables, empty, on fns and extra.
func declareSAMLocalVariables(fns functions, extra ...awslambda.Function) {
	all := append([]awslambda.Function{}, extra...)
	for _, spec := range functionSpecs {
		all = append(all, fns[spec.name])
	}
	for _, fn := range all {
		for _, v := range SAMLocalVariables {
			fn.AddEnvironment(jsii.String(v), jsii.String(""), nil)
		}
	}
}
