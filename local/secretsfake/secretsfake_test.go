package secretsfake_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/unicogw/gateway/local/secretsfake"
)

func newClient(t *testing.T) (*secretsfake.Server, *secretsmanager.Client, string) {
	t.Helper()
	fake := secretsfake.New()
	hs := httptest.NewServer(fake.Handler())
	t.Cleanup(hs.Close)
	c := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	return fake, c, hs.URL
}

func TestGetPut(t *testing.T) {
	ctx := t.Context()
	fake, c, _ := newClient(t)
	arn := fake.Put("app/unico", `{"v":1}`)
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/unico-") || len(arn) != len("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/unico-AbCdEf") {
		t.Errorf("ARN = %q", arn)
	}
	_, v1, _ := fake.Current("app/unico")

	// By name and by ARN.
	for _, id := range []string{"app/unico", arn} {
		g, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetSecretValue(%s): %v", id, err)
		}
		if aws.ToString(g.SecretString) != `{"v":1}` || aws.ToString(g.VersionId) != v1 || v1 == "" ||
			!slices.Equal(g.VersionStages, []string{"AWSCURRENT"}) || aws.ToString(g.ARN) != arn || aws.ToString(g.Name) != "app/unico" {
			t.Errorf("GetSecretValue(%s) = %q %q %v %q", id, aws.ToString(g.SecretString), aws.ToString(g.VersionId), g.VersionStages, aws.ToString(g.ARN))
		}
	}

	// A put makes a new current version.
	p, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/unico"), SecretString: aws.String(`{"v":2}`)})
	if err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	v2 := aws.ToString(p.VersionId)
	if v2 == "" || v2 == v1 || !slices.Equal(p.VersionStages, []string{"AWSCURRENT"}) || aws.ToString(p.ARN) != arn {
		t.Fatalf("PutSecretValue = %q %v", v2, p.VersionStages)
	}
	g, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/unico")})
	if err != nil || aws.ToString(g.SecretString) != `{"v":2}` || aws.ToString(g.VersionId) != v2 {
		t.Errorf("after put: %v %v", g, err)
	}
	if val, id, ok := fake.Current("app/unico"); !ok || val != `{"v":2}` || id != v2 {
		t.Errorf("Current = %q %q %v", val, id, ok)
	}

	// Put seeds over an existing secret too.
	if fake.Put("app/unico", "v3") != arn {
		t.Error("Put on an existing secret changed its ARN")
	}
	if val, id, _ := fake.Current(arn); val != "v3" || id == v2 {
		t.Errorf("Current after Put = %q %q", val, id)
	}
	if _, _, ok := fake.Current("missing"); ok {
		t.Error("Current(missing) ok")
	}

	if counts := fake.Counts(); counts["GetSecretValue"] != 3 || counts["PutSecretValue"] != 1 || len(counts) != 2 {
		t.Errorf("Counts = %v", counts)
	}
}

func TestErrors(t *testing.T) {
	ctx := t.Context()
	fake, c, _ := newClient(t)
	var nf *types.ResourceNotFoundException
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")}); !errors.As(err, &nf) {
		t.Errorf("GetSecretValue(missing): %v, want ResourceNotFoundException", err)
	}
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("missing"), SecretString: aws.String("x")}); !errors.As(err, &nf) {
		t.Errorf("PutSecretValue(missing): %v, want ResourceNotFoundException", err)
	}
	fake.Put("s", "v")
	var ip *types.InvalidParameterException
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s")}); !errors.As(err, &ip) {
		t.Errorf("PutSecretValue(no value): %v, want InvalidParameterException", err)
	}
	if v, _, _ := fake.Current("s"); v != "v" {
		t.Errorf("a refused put changed the value to %q", v)
	}
}

// The token refresher derives ClientRequestToken from the version it read, so that of two
// writers that read the same version only the first write succeeds.
func TestIdempotentClientRequestToken(t *testing.T) {
	ctx := t.Context()
	fake, c, _ := newClient(t)
	fake.Put("s", "one")
	tok := "0123456789abcdef0123456789abcdef"
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("two"), ClientRequestToken: aws.String(tok)}
	p1, err := c.PutSecretValue(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.PutSecretValue(ctx, in)
	if err != nil {
		t.Fatalf("repeated PutSecretValue: %v", err)
	}
	if aws.ToString(p1.VersionId) != tok || aws.ToString(p2.VersionId) != tok || !slices.Equal(p2.VersionStages, []string{"AWSCURRENT"}) {
		t.Errorf("VersionIds %q %q (%v), want the token", aws.ToString(p1.VersionId), aws.ToString(p2.VersionId), p2.VersionStages)
	}
	// Same token, different value: refused, and the value stays.
	in.SecretString = aws.String("three")
	var exists *types.ResourceExistsException
	if _, err = c.PutSecretValue(ctx, in); !errors.As(err, &exists) {
		t.Errorf("PutSecretValue(same token, other value): %v, want ResourceExistsException", err)
	}
	if v, id, _ := fake.Current("s"); v != "two" || id != tok {
		t.Errorf("Current = %q %q, want two %q", v, id, tok)
	}
	// The token of an older version is still known.
	fake.Put("s", "four")
	in.SecretString = aws.String("two")
	if p, err := c.PutSecretValue(ctx, in); err != nil || len(p.VersionStages) != 0 {
		t.Errorf("retry of an older version: %v %v", p, err)
	}
	if v, _, _ := fake.Current("s"); v != "four" {
		t.Errorf("a retried old version became current: %q", v)
	}
	// Short tokens are rejected as by the service.
	in.ClientRequestToken = aws.String("short")
	var ae smithy.APIError
	if _, err = c.PutSecretValue(ctx, in); !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Errorf("short token: %v, want ValidationException", err)
	}
}

func TestUnsupported(t *testing.T) {
	ctx := t.Context()
	fake, c, _ := newClient(t)
	fake.Put("s", "v")
	check := func(what string, err error, mention string) {
		t.Helper()
		var ae smithy.APIError
		var re *awshttp.ResponseError
		if !errors.As(err, &ae) || ae.ErrorCode() != "UnsupportedOperation" || !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
			t.Fatalf("%s: %v, want an UnsupportedOperation API error with status 400", what, err)
		}
		if msg := ae.ErrorMessage(); !strings.Contains(msg, mention) || !strings.Contains(msg, "implements only GetSecretValue and PutSecretValue") {
			t.Errorf("%s: message %q", what, msg)
		}
	}
	_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("s")})
	check("DeleteSecret", err, "operation DeleteSecret is not supported")
	_, err = c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	check("ListSecrets", err, "operation ListSecrets is not supported")
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("new"), SecretString: aws.String("x")})
	check("CreateSecret", err, "operation CreateSecret is not supported")
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionStage: aws.String("AWSPREVIOUS")})
	check("GetSecretValue(VersionStage)", err, "GetSecretValue with VersionId or VersionStage")
	_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretBinary: []byte{1}})
	check("PutSecretValue(SecretBinary)", err, "PutSecretValue with SecretBinary or VersionStages")

	// Not retried, and the secret is untouched.
	if n := fake.Counts()["DeleteSecret"]; n != 1 {
		t.Errorf("DeleteSecret reached the fake %d times, want 1", n)
	}
	if v, _, ok := fake.Current("s"); !ok || v != "v" {
		t.Errorf("Current = %q %v", v, ok)
	}
}

func TestRawProtocol(t *testing.T) {
	_, _, url := newClient(t)
	post := func(target, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("secretsmanager.Frobnicate", "{}"); code != 400 ||
		body != `{"__type":"UnsupportedOperation","message":"operation Frobnicate is not supported: the local Secrets Manager stand-in implements only GetSecretValue and PutSecretValue"}` {
		t.Errorf("unknown op: %d %s", code, body)
	}
	if code, body := post("", "{}"); code != 400 || !strings.Contains(body, `"__type":"UnsupportedOperation"`) {
		t.Errorf("no target: %d %s", code, body)
	}
	if code, body := post("secretsmanager.GetSecretValue", `{"SecretId":"nope"}`); code != 400 || !strings.Contains(body, `"__type":"ResourceNotFoundException"`) {
		t.Errorf("not found: %d %s", code, body)
	}
	if code, body := post("secretsmanager.GetSecretValue", `{}`); code != 400 || !strings.Contains(body, `"__type":"InvalidParameterException"`) {
		t.Errorf("no SecretId: %d %s", code, body)
	}
	if code, body := post("secretsmanager.GetSecretValue", `{`); code != 400 || !strings.Contains(body, "SerializationException") {
		t.Errorf("bad json: %d %s", code, body)
	}
}
