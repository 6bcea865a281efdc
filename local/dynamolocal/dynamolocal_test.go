package dynamolocal_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
)

// shared is the package's server, started once by TestMain.
var shared *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &shared)) }

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func createTable(t *testing.T, c *dynamodb.Client, name string, stream bool) {
	t.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gsi1pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gsi1sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("gsi1"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("gsi1pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("gsi1sk"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
	if stream {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	}
	ctx := t.Context()
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("wait for table: %v", err)
	}
}

func TestFeatures(t *testing.T) {
	ctx := t.Context()
	c := dynamolocaltest.Client(t, shared)
	table := dynamolocaltest.TableName(t)
	createTable(t, c, table, false)

	// TTL
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)},
	}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	if st := ttl.TimeToLiveDescription.TimeToLiveStatus; st != types.TimeToLiveStatusEnabled {
		t.Errorf("TTL status = %s, want ENABLED", st)
	}

	// Conditional put.
	item := map[string]types.AttributeValue{"pk": s("A"), "sk": s("1"), "gsi1pk": s("G"), "gsi1sk": s("x")}
	put := &dynamodb.PutItemInput{TableName: aws.String(table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if _, err := c.PutItem(ctx, put); err != nil {
		t.Fatalf("first PutItem: %v", err)
	}
	_, err = c.PutItem(ctx, put)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second PutItem: got %v, want ConditionalCheckFailedException", err)
	}

	// Transactions: two puts and a condition check on the existing item.
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": s("B"), "sk": s("1"), "gsi1pk": s("G"), "gsi1sk": s("y")}}},
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": s("C"), "sk": s("1")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": s("A"), "sk": s("1")},
			ConditionExpression: aws.String("attribute_exists(pk)")}},
	}})
	if err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": s("D"), "sk": s("1")}}},
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": s("B"), "sk": s("1")},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("conflicting TransactWriteItems: got %v, want TransactionCanceledException", err)
	}
	if got, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": s("D"), "sk": s("1")}}); len(got.Item) != 0 {
		t.Errorf("cancelled transaction wrote item D")
	}

	// GSI query sees both indexed items.
	q, err := c.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("G")},
	})
	if err != nil {
		t.Fatalf("Query gsi1: %v", err)
	}
	if q.Count != 2 {
		t.Errorf("gsi1 query count = %d, want 2", q.Count)
	}
}

// TestSharedDb checks that clients with other credentials and regions see the
// same tables (-sharedDb). DynamoDB Local 2+ accepts only alphanumeric
// access key ids ("UnrecognizedClientException" otherwise).
func TestSharedDb(t *testing.T) {
	ctx := t.Context()
	table := dynamolocaltest.TableName(t)
	createTable(t, dynamolocaltest.Client(t, shared), table, false)
	other, err := shared.Client(ctx, func(o *dynamodb.Options) {
		o.Region = "sa-east-1"
		o.Credentials = credentials.NewStaticCredentialsProvider("otherKey42", "x", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatalf("other client DescribeTable: %v", err)
	}
}

func TestStreams(t *testing.T) {
	ctx := t.Context()
	c := dynamolocaltest.Client(t, shared)
	table := dynamolocaltest.TableName(t)
	createTable(t, c, table, true)
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	streamArn := desc.Table.LatestStreamArn
	if streamArn == nil {
		t.Fatal("DescribeTable: no LatestStreamArn")
	}
	sc, err := shared.StreamsClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: streamArn})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	if ds.StreamDescription.StreamViewType != stypes.StreamViewTypeNewAndOldImages || len(ds.StreamDescription.Shards) == 0 {
		t.Fatalf("DescribeStream: view %s, %d shards", ds.StreamDescription.StreamViewType, len(ds.StreamDescription.Shards))
	}
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: streamArn, ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatalf("GetShardIterator: %v", err)
	}

	key := map[string]types.AttributeValue{"pk": s("S"), "sk": s("1")}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{"pk": s("S"), "sk": s("1"), "v": s("one")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key,
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("two")}}); err != nil {
		t.Fatal(err)
	}

	var recs []stypes.Record
	iter := it.ShardIterator
	deadline := time.Now().Add(15 * time.Second)
	for len(recs) < 2 && iter != nil && time.Now().Before(deadline) {
		out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			time.Sleep(50 * time.Millisecond) // nothing new yet: poll again
		}
	}
	if len(recs) < 2 {
		t.Fatalf("got %d stream records, want 2", len(recs))
	}
	if recs[0].EventName != stypes.OperationTypeInsert || recs[1].EventName != stypes.OperationTypeModify {
		t.Errorf("event names %s, %s; want INSERT, MODIFY", recs[0].EventName, recs[1].EventName)
	}
	newV, _ := recs[1].Dynamodb.NewImage["v"].(*stypes.AttributeValueMemberS)
	oldV, _ := recs[1].Dynamodb.OldImage["v"].(*stypes.AttributeValueMemberS)
	if newV == nil || newV.Value != "two" || oldV == nil || oldV.Value != "one" {
		t.Errorf("MODIFY images: new %#v old %#v", recs[1].Dynamodb.NewImage["v"], recs[1].Dynamodb.OldImage["v"])
	}
}

func TestStartStop(t *testing.T) {
	srv := dynamolocaltest.Start(t)
	if !strings.HasPrefix(srv.Endpoint(), "http://127.0.0.1:") {
		t.Errorf("Endpoint = %q", srv.Endpoint())
	}
	t.Logf("DynamoDB Local ready in %v (pid %d, %s)", srv.StartupTime(), srv.PID(), srv.Endpoint())
	c := dynamolocaltest.Client(t, srv)
	if _, err := c.ListTables(t.Context(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	pid, port := srv.PID(), srv.Port()
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	assertGone(t, pid, port)
}

func assertGone(t *testing.T, pid, port int) {
	t.Helper()
	if runtime.GOOS != "windows" {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("pid %d still exists after Stop (kill 0: %v)", pid, err)
		}
	}
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
		conn.Close()
		t.Errorf("port %d still accepts connections after Stop", port)
	}
}

// TestCancelDuringStart cancels the context while the JVM starts: Start must
// fail and leave no process behind.
func TestCancelDuringStart(t *testing.T) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	srv, err := dynamolocal.Start(ctx, dynamolocal.Options{Port: port})
	if err == nil {
		srv.Stop()
		t.Fatal("Start succeeded within 200ms; cannot test cancellation")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("Start error = %v", err)
	}
	if pids := jvmsOnPort(t, port); len(pids) != 0 {
		t.Errorf("JVM(s) %v still running for port %d after cancelled Start", pids, port)
	}
}

// jvmsOnPort lists processes whose command line runs DynamoDBLocal.jar on port.
func jvmsOnPort(t *testing.T, port int) []int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	matches, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		cl := string(b)
		if strings.Contains(cl, "DynamoDBLocal.jar") && strings.Contains(cl, "\x00-port\x00"+strconv.Itoa(port)+"\x00") {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(m)))
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestMissingPrerequisites(t *testing.T) {
	ctx := t.Context()
	_, err := dynamolocal.Start(ctx, dynamolocal.Options{RepoRoot: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("missing npm package: error %v, want a hint about npm ci", err)
	}
	_, err = dynamolocal.Start(ctx, dynamolocal.Options{Java: filepath.Join(t.TempDir(), "java")})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y openjdk-17-jre-headless") {
		t.Errorf("missing java: error %v, want an install hint", err)
	}
}

func TestFindRepoRoot(t *testing.T) {
	root, err := dynamolocal.FindRepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if _, err := dynamolocal.JarDir(root); err != nil {
		t.Fatal(err)
	}
}
