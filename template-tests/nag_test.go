package templatetests

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicogw/gateway/infra"
)

// nagFindings lists the stack's error and warning annotations. cdk-nag's unsuppressed findings
// are annotations (an error already fails the synthesis); anything else at those levels is
// unwanted too.
func nagFindings(stack awscdk.Stack) []string {
	an := assertions.Annotations_FromStack(stack)
	var out []string
	for level, msgs := range map[string]*[]*cxapi.SynthesisMessage{
		"error":   an.FindError(jsii.String("*"), assertions.Match_AnyValue()),
		"warning": an.FindWarning(jsii.String("*"), assertions.Match_AnyValue()),
	} {
		for _, m := range *msgs {
			out = append(out, fmt.Sprintf("%s %s: %v", level, *m.Id, m.Entry.Data))
		}
	}
	return out
}

// TestNagPacksPass: AwsSolutions and Serverless leave no unsuppressed error or warning, in the
// default stack and with every option on.
func TestNagPacksPass(t *testing.T) {
	for name, s := range map[string]func(*testing.T) *synthesized{"default": defaultStack, "options": optionsStack} {
		t.Run(name, func(t *testing.T) {
			if got := nagFindings(s(t).stack); len(got) > 0 {
				t.Errorf("unsuppressed findings (fix them, or add a suppression with its reason to infra/nag.go):\n%s",
					strings.Join(got, "\n"))
			}
		})
	}
}

// TestNagCatchesAFinding: a resource that breaks a rule (a queue without encryption, SSL
// enforcement or dead-letter queue) makes the synthesis fail, so every template test fails.
func TestNagCatchesAFinding(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: ptr(cdkContext(t, nil))})
	props, err := infra.PropsFromContext(app)
	if err != nil {
		t.Fatal(err)
	}
	stack := infra.NewGatewayStack(app, "TestStack", props)
	awssqs.NewQueue(stack, jsii.String("Careless"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_UNENCRYPTED})
	infra.ApplyNag(stack, *props)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		assertions.Template_FromStack(stack, nil)
	}()
	if recovered == nil {
		t.Fatal("the synthesis passed with an unencrypted queue and no SSL enforcement")
	}
	if msg := fmt.Sprint(recovered); !regexp.MustCompile(`Validation ?failed`).MatchString(msg) {
		t.Fatalf("the synthesis failed, but not on validation: %s", msg)
	}
}

// TestNagSuppressionsAreAllWritten: every suppression in the template has a reason of some
// substance (cdk-nag asks for 10 characters; ours name what to check).
func TestNagSuppressionsHaveReasons(t *testing.T) {
	n := 0
	for id, r := range obj(defaultStack(t).json["Resources"]) {
		meta := obj(obj(r)["Metadata"])
		nag := obj(meta["cdk_nag"])
		for _, rule := range list(nag["rules_to_suppress"]) {
			n++
			reason, _ := obj(rule)["reason"].(string)
			if len(reason) < 60 {
				t.Errorf("%s: suppression %v has a thin reason %q", id, obj(rule)["id"], reason)
			}
		}
	}
	if n == 0 {
		t.Fatal("no cdk_nag suppression metadata in the template: were the suppressions applied?")
	}
}
