package secretsfake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/unicogw/gateway/local/secretsfake"
)

func newClient(t *testing.T) (*secretsfake.Server, *secretsmanager.Client) {
	t.Helper()
	fake := secretsfake.New()
	hs := httptest.NewServer(fake.Handler())
	t.Cleanup(hs.Close)
	c := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(hs.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	return fake, c
}

func TestCreateGetPutRotate(t *testing.T) {
	ctx := t.Context()
	fake, c := newClient(t)

	cr, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("app/unico"), SecretString: aws.String(`{"v":1}`), Description: aws.String("creds"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("local")}},
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if !strings.HasPrefix(aws.ToString(cr.ARN), "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/unico-") || len(aws.ToString(cr.ARN)) != len("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/unico-AbCdEf") {
		t.Errorf("ARN = %q", aws.ToString(cr.ARN))
	}
	v1 := aws.ToString(cr.VersionId)
	if v1 == "" {
		t.Fatal("CreateSecret returned no VersionId")
	}

	// Duplicate name.
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/unico"), SecretString: aws.String("x")})
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		t.Errorf("duplicate CreateSecret: %v, want ResourceExistsException", err)
	}

	// Get by name, full ARN and partial ARN.
	partial := aws.ToString(cr.ARN)[:len(aws.ToString(cr.ARN))-7]
	for _, id := range []string{"app/unico", aws.ToString(cr.ARN), partial} {
		g, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetSecretValue(%s): %v", id, err)
		}
		if aws.ToString(g.SecretString) != `{"v":1}` || aws.ToString(g.VersionId) != v1 || !slices.Equal(g.VersionStages, []string{"AWSCURRENT"}) {
			t.Errorf("GetSecretValue(%s) = %q %q %v", id, aws.ToString(g.SecretString), aws.ToString(g.VersionId), g.VersionStages)
		}
		if g.CreatedDate == nil || time.Since(*g.CreatedDate) > time.Minute {
			t.Errorf("CreatedDate = %v", g.CreatedDate)
		}
	}

	// Put a new version: AWSCURRENT moves, the old one becomes AWSPREVIOUS.
	p, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/unico"), SecretString: aws.String(`{"v":2}`)})
	if err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	v2 := aws.ToString(p.VersionId)
	if v2 == "" || v2 == v1 || !slices.Equal(p.VersionStages, []string{"AWSCURRENT"}) {
		t.Fatalf("PutSecretValue = %q %v", v2, p.VersionStages)
	}
	get := func(in *secretsmanager.GetSecretValueInput) (string, string, error) {
		in.SecretId = aws.String("app/unico")
		g, err := c.GetSecretValue(ctx, in)
		if err != nil {
			return "", "", err
		}
		return aws.ToString(g.SecretString), aws.ToString(g.VersionId), nil
	}
	if s, id, err := get(&secretsmanager.GetSecretValueInput{}); err != nil || s != `{"v":2}` || id != v2 {
		t.Errorf("current = %q %q %v", s, id, err)
	}
	if s, id, err := get(&secretsmanager.GetSecretValueInput{VersionStage: aws.String("AWSPREVIOUS")}); err != nil || s != `{"v":1}` || id != v1 {
		t.Errorf("previous = %q %q %v", s, id, err)
	}
	if s, _, err := get(&secretsmanager.GetSecretValueInput{VersionId: aws.String(v1)}); err != nil || s != `{"v":1}` {
		t.Errorf("by VersionId = %q %v", s, err)
	}

	// Rotation-style: stage AWSPENDING, then promote it.
	p3, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/unico"),
		SecretString: aws.String(`{"v":3}`), VersionStages: []string{"AWSPENDING"}})
	if err != nil {
		t.Fatalf("PutSecretValue AWSPENDING: %v", err)
	}
	v3 := aws.ToString(p3.VersionId)
	if s, _, _ := get(&secretsmanager.GetSecretValueInput{}); s != `{"v":2}` {
		t.Errorf("pending put moved AWSCURRENT: current = %q", s)
	}
	if s, _, _ := get(&secretsmanager.GetSecretValueInput{VersionStage: aws.String("AWSPENDING")}); s != `{"v":3}` {
		t.Errorf("AWSPENDING = %q", s)
	}
	if _, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app/unico"),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v3)}); err == nil {
		t.Error("UpdateSecretVersionStage without RemoveFromVersionId succeeded")
	}
	if _, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app/unico"),
		VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v3), RemoveFromVersionId: aws.String(v2)}); err != nil {
		t.Fatalf("UpdateSecretVersionStage: %v", err)
	}

	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/unico")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	want := map[string][]string{v2: {"AWSPREVIOUS"}, v3: {"AWSPENDING", "AWSCURRENT"}}
	if len(d.VersionIdsToStages) != len(want) {
		t.Errorf("VersionIdsToStages = %v, want %v", d.VersionIdsToStages, want)
	}
	for id, st := range want {
		got := slices.Clone(d.VersionIdsToStages[id])
		slices.Sort(got)
		slices.Sort(st)
		if !slices.Equal(got, st) {
			t.Errorf("VersionIdsToStages[%s] = %v, want %v", id, got, st)
		}
	}
	if d.LastChangedDate == nil || time.Since(*d.LastChangedDate) > time.Minute || d.CreatedDate == nil || d.LastAccessedDate == nil {
		t.Errorf("dates: changed %v created %v accessed %v", d.LastChangedDate, d.CreatedDate, d.LastAccessedDate)
	}
	if aws.ToString(d.Description) != "creds" || len(d.Tags) != 1 || aws.ToString(d.ARN) != aws.ToString(cr.ARN) {
		t.Errorf("DescribeSecret = %+v", d)
	}

	// UpdateSecret creates a new current version.
	u, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: aws.String("app/unico"), SecretString: aws.String(`{"v":4}`)})
	if err != nil {
		t.Fatalf("UpdateSecret: %v", err)
	}
	if val, id, ok := fake.Current("app/unico"); !ok || val != `{"v":4}` || id != aws.ToString(u.VersionId) {
		t.Errorf("Current after UpdateSecret = %q %q %v", val, id, ok)
	}

	// Binary secrets round-trip.
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255}}); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")})
	if err != nil || string(g.SecretBinary) != "\x00\x01\x02\xff" || g.SecretString != nil {
		t.Errorf("binary secret = %v %v %v", g.SecretBinary, g.SecretString, err)
	}

	counts := fake.Counts()
	if counts["GetSecretValue"] != 9 || counts["PutSecretValue"] != 2 || counts["CreateSecret"] != 3 {
		t.Errorf("Counts = %v", counts)
	}
}

func TestNotFound(t *testing.T) {
	ctx := t.Context()
	fake, c := newClient(t)
	var nf *types.ResourceNotFoundException
	_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")})
	if !errors.As(err, &nf) {
		t.Fatalf("GetSecretValue(missing): %v, want ResourceNotFoundException", err)
	}
	_, err = c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:missing-AbCdEf")})
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeSecret(arn): %v, want ResourceNotFoundException", err)
	}
	_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("missing"), SecretString: aws.String("x")})
	if !errors.As(err, &nf) {
		t.Fatalf("PutSecretValue(missing): %v, want ResourceNotFoundException", err)
	}

	// A secret without a value, and an unknown stage.
	fake.Put("seeded", "s1")
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("empty")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("empty")})
	if !errors.As(err, &nf) {
		t.Errorf("GetSecretValue(no value): %v, want ResourceNotFoundException", err)
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("seeded"), VersionStage: aws.String("NOPE")})
	if !errors.As(err, &nf) {
		t.Errorf("GetSecretValue(stage NOPE): %v, want ResourceNotFoundException", err)
	}

	// Invalid parameters.
	var ip *types.InvalidParameterException
	_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("seeded"), SecretString: aws.String("x"), SecretBinary: []byte("y")})
	if !errors.As(err, &ip) {
		t.Errorf("PutSecretValue(both values): %v, want InvalidParameterException", err)
	}
	_, err = c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("seeded"), ForceDeleteWithoutRecovery: aws.Bool(true), RecoveryWindowInDays: aws.Int64(7)})
	if !errors.As(err, &ip) {
		t.Errorf("DeleteSecret(force+window): %v, want InvalidParameterException", err)
	}
}

func TestIdempotentClientRequestToken(t *testing.T) {
	ctx := t.Context()
	fake, c := newClient(t)
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
	if aws.ToString(p1.VersionId) != tok || aws.ToString(p2.VersionId) != tok {
		t.Errorf("VersionIds %q %q, want the token", aws.ToString(p1.VersionId), aws.ToString(p2.VersionId))
	}
	// The repeat must not have created a version or moved AWSPREVIOUS.
	g, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(g.SecretString) != "one" {
		t.Errorf("AWSPREVIOUS = %q %v, want one", aws.ToString(g.SecretString), err)
	}
	l, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("s"), IncludeDeprecated: aws.Bool(true)})
	if err != nil || len(l.Versions) != 2 {
		t.Errorf("ListSecretVersionIds = %d versions, %v; want 2", len(l.Versions), err)
	}
	// Same token, different value: refused.
	in.SecretString = aws.String("three")
	_, err = c.PutSecretValue(ctx, in)
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		t.Errorf("PutSecretValue(same token, other value): %v, want ResourceExistsException", err)
	}
	// Short tokens are rejected like AWS does.
	in.ClientRequestToken = aws.String("short")
	_, err = c.PutSecretValue(ctx, in)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Errorf("short token: %v, want ValidationException", err)
	}
}

func TestFaults(t *testing.T) {
	ctx := t.Context()
	fake, c := newClient(t)
	fake.Put("s", "v")

	// One 500: the SDK retries and succeeds; both attempts are counted.
	fake.SetFault("GetSecretValue", 500, "InternalServiceError", 1)
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); err != nil {
		t.Fatalf("GetSecretValue after one 500: %v", err)
	}
	if n := fake.Counts()["GetSecretValue"]; n != 2 {
		t.Errorf("GetSecretValue count = %d, want 2", n)
	}

	// A 400 fault is not retried and surfaces as the typed error.
	fake.SetFault("GetSecretValue", 400, "ResourceNotFoundException", 0)
	for range 2 {
		_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("faulted GetSecretValue: %v", err)
		}
	}
	fake.SetFault("GetSecretValue", 0, "", 0)
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); err != nil {
		t.Fatalf("GetSecretValue after clearing: %v", err)
	}

	// Throttling on every operation, without retries.
	fake.SetFault("*", 400, "ThrottlingException", 0)
	_, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")}, func(o *secretsmanager.Options) { o.RetryMaxAttempts = 1 })
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
		t.Errorf("DescribeSecret under '*' fault: %v", err)
	}
	fake.SetFault("*", 0, "", 0)
}

func TestListDeleteRestore(t *testing.T) {
	ctx := t.Context()
	fake, c := newClient(t)
	for _, n := range []string{"app/a", "app/b", "other/c"} {
		fake.Put(n, "v-"+n)
	}
	l, err := c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.SecretList) != 2 || aws.ToString(l.SecretList[0].Name) != "app/a" || len(l.SecretList[0].SecretVersionsToStages) != 1 {
		t.Errorf("ListSecrets(name=app/) = %+v", l.SecretList)
	}

	// Pagination with the SDK paginator.
	var names []string
	pg := secretsmanager.NewListSecretsPaginator(c, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(2)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.SecretList {
			names = append(names, aws.ToString(e.Name))
		}
	}
	if !slices.Equal(names, []string{"app/a", "app/b", "other/c"}) {
		t.Errorf("paginated names = %v", names)
	}

	// Scheduled deletion: invisible to Get and List, visible to Describe, restorable.
	del, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/a"), RecoveryWindowInDays: aws.Int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if del.DeletionDate == nil || time.Until(*del.DeletionDate) < 6*24*time.Hour {
		t.Errorf("DeletionDate = %v", del.DeletionDate)
	}
	var ir *types.InvalidRequestException
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/a")}); !errors.As(err, &ir) {
		t.Errorf("GetSecretValue(deleted): %v, want InvalidRequestException", err)
	}
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/a")}); !errors.As(err, &ir) {
		t.Errorf("CreateSecret(scheduled for deletion): %v, want InvalidRequestException", err)
	}
	l, _ = c.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if len(l.SecretList) != 2 {
		t.Errorf("ListSecrets after delete: %d", len(l.SecretList))
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/a")})
	if err != nil || d.DeletedDate == nil {
		t.Errorf("DescribeSecret(deleted) = %v, %v", d, err)
	}
	if _, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: aws.String("app/a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/a")}); err != nil {
		t.Errorf("GetSecretValue(restored): %v", err)
	}

	// Force delete removes it at once.
	if _, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/b"), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/b")}); !errors.As(err, &nf) {
		t.Errorf("DescribeSecret(force-deleted): %v, want ResourceNotFoundException", err)
	}
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/b"), SecretString: aws.String("again")}); err != nil {
		t.Errorf("CreateSecret after force delete: %v", err)
	}
}

func TestRawProtocol(t *testing.T) {
	fake := secretsfake.New()
	hs := httptest.NewServer(fake.Handler())
	defer hs.Close()
	post := func(target, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/", strings.NewReader(body))
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
	if code, body := post("secretsmanager.Frobnicate", "{}"); code != 400 || !strings.Contains(body, `"__type":"UnknownOperationException"`) {
		t.Errorf("unknown op: %d %s", code, body)
	}
	if code, body := post("", "{}"); code != 400 || !strings.Contains(body, "UnknownOperationException") {
		t.Errorf("no target: %d %s", code, body)
	}
	if code, body := post("secretsmanager.GetSecretValue", `{"SecretId":"nope"}`); code != 400 || !strings.Contains(body, `"__type":"ResourceNotFoundException"`) {
		t.Errorf("not found: %d %s", code, body)
	}
	if code, body := post("secretsmanager.GetSecretValue", `{`); code != 400 || !strings.Contains(body, "SerializationException") {
		t.Errorf("bad json: %d %s", code, body)
	}
}

func TestListenAndServe(t *testing.T) {
	fake := secretsfake.New()
	hs, ln, err := fake.ListenAndServe("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://"+ln.Addr().String())
	fake.Put("env", "via-env")
	// A client configured only from the environment, as a Lambda would be.
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c := secretsmanager.NewFromConfig(cfg)
	g, err := c.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("env")})
	if err != nil || aws.ToString(g.SecretString) != "via-env" {
		t.Fatalf("GetSecretValue via AWS_ENDPOINT_URL_SECRETS_MANAGER = %v, %v", g, err)
	}
}
