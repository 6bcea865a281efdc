// Command app is the gateway's CDK app (cdk.json: "app": "go run ./infra/app"). It reads the
// context keys documented in infra/props.go and synthesizes one stack, UnicoGateway.
//
// Build the functions first: bash scripts/build-lambdas.sh && npx cdk synth.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
)

// StackName is the stack's name unless the context key stackName overrides it (one stack per
// account and region, or one per stage: -c stackName=UnicoGatewayStaging).
const StackName = "UnicoGateway"

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	props, err := infra.PropsFromContext(app)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unico gateway: invalid context (cdk.json or -c):\n%v\n", err)
		jsii.Close()
		os.Exit(1)
	}
	name := StackName
	if v, ok := app.Node().TryGetContext(jsii.String("stackName")).(string); ok && v != "" {
		name = v
	}
	stack := infra.NewGatewayStack(app, name, props)
	infra.ApplyNag(stack, *props) // cdk-nag's AwsSolutions and Serverless packs; errors fail the synth
	app.Synth(nil)
}
