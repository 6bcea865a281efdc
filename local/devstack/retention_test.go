package devstack_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
)

// TestRetention: the retention is configuration (RETENTION_DAYS) and is enforced twice: the
// item carries DynamoDB's ttl attribute, and since DynamoDB deletes expired items lazily (up to
// days later), every read path checks it too. A second stack on the same table whose clock is
// past the retention stands for "later, before DynamoDB deleted the item": the process, still
// in the table, is 404 on read and on redact and absent from the list, with no call to Unico,
// while a process whose retention runs longer is still listed.
func TestRetention(t *testing.T) {
	const days = 7
	s, _ := startStackWith(t, func(c *gateway.Config) { c.RetentionDays = days })
	api := client{t, s.APIURL}
	ref := "retention-" + newCPF(t)[:8]
	expired := createFor(t, api, s.Tenants[0].APIKey, "retention-1", newCPF(t), "Pessoa Retencao", ref)
	kept := createFor(t, api, s.Tenants[0].APIKey, "retention-2", newCPF(t), "Pessoa Retencao", ref)

	// The configured retention is what the item carries: retainUntil = createdAt + 7 days and
	// ttl = retainUntil in epoch seconds.
	item := rawItem(t, s, expired)
	created, _ := time.Parse(time.RFC3339Nano, item["createdAt"].(*types.AttributeValueMemberS).Value)
	retain, _ := time.Parse(time.RFC3339Nano, item["retainUntil"].(*types.AttributeValueMemberS).Value)
	ttl, _ := strconv.ParseInt(item["ttl"].(*types.AttributeValueMemberN).Value, 10, 64)
	if !retain.Equal(created.Add(days*24*time.Hour)) || ttl != retain.Unix() {
		t.Fatalf("retention not applied: createdAt %v retainUntil %v ttl %d", created, retain, ttl)
	}
	// The control process is kept 30 days instead (as if created under a longer retention).
	longer := time.Now().Add(30 * 24 * time.Hour).UTC()
	_, err := dynamolocaltest.Client(t, ddb).UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.TableName),
		Key:                      map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "P#" + kept}, "sk": &types.AttributeValueMemberS{Value: "P"}},
		UpdateExpression:         aws.String("SET retainUntil = :r, #ttl = :t"),
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":r": &types.AttributeValueMemberS{Value: longer.Format(time.RFC3339Nano)},
			":t": &types.AttributeValueMemberN{Value: strconv.FormatInt(longer.Unix(), 10)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Eight days later.
	later := startClockStack(t, s.TableName, func() time.Time { return time.Now().Add((days + 1) * 24 * time.Hour) })
	lapi := client{t, later.APIURL}
	key := later.Tenants[0].APIKey // tenant "demo" again: the same tenant on the same table
	calls := unicoCalls(later)
	if status, _, res := lapi.do("GET", "/v1/processes/"+expired, key, nil, nil); status != http.StatusNotFound || get(res, "error", "code") != "process_not_found" {
		t.Errorf("read past retention: %d %v", status, res)
	}
	if status, _, res := lapi.do("POST", "/v1/processes/"+expired+"/redact", key, nil, nil); status != http.StatusNotFound || get(res, "error", "code") != "process_not_found" {
		t.Errorf("redact past retention: %d %v", status, res)
	}
	if n := unicoCalls(later) - calls; n != 0 {
		t.Errorf("requests for a process past its retention made %d calls to Unico", n)
	}
	if got := listIDs(t, lapi, key, "&clientReference="+ref); got[expired] != nil || got[kept] == nil || len(got) != 1 {
		t.Errorf("list past retention: %v, want only %s", keysOf(got), kept)
	}
	// The item is still in the table, untouched: the read check answered, not a deletion.
	if item := rawItem(t, s, expired); item == nil || item["redacted"] != nil || item["cpfHash"] == nil {
		t.Fatalf("the expired item was deleted or changed: %v", item)
	}
	// And today it is still within its retention.
	if status, _, res := api.do("GET", "/v1/processes/"+expired, s.Tenants[0].APIKey, nil, nil); status != http.StatusOK {
		t.Errorf("read within retention: %d %v", status, res)
	}
}

// startClockStack starts a stack on an existing table whose functions read the time from now.
func startClockStack(t *testing.T, table string, now func() time.Time) *devstack.Stack {
	t.Helper()
	_, logs := logging.NewCapture()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), TableName: table, LogOutput: io.MultiWriter(logs, suiteLogs), Now: now})
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	t.Cleanup(s.Stop)
	suiteLogs.PlantStack(s)
	return s
}
