package streampoller_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/local/streampoller"
)

var server *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &server)) }

type table struct {
	t    *testing.T
	db   *dynamodb.Client
	name string
	arn  string
}

func newTable(t *testing.T) *table {
	t.Helper()
	ctx := context.Background()
	db := dynamolocaltest.Client(t, server)
	name := dynamolocaltest.TableName(t)
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	out, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("pk"), s("sk")},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}})
	if err != nil {
		t.Fatal(err)
	}
	return &table{t: t, db: db, name: name, arn: aws.ToString(out.TableDescription.LatestStreamArn)}
}

func (tb *table) put(pk, sk string) {
	tb.t.Helper()
	_, err := tb.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(tb.name), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
		"n": &types.AttributeValueMemberN{Value: "7"}, "tags": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
	}})
	if err != nil {
		tb.t.Fatal(err)
	}
}

// recorder is a handler that remembers what it saw and fails as told.
type recorder struct {
	mu     sync.Mutex
	seen   []string // pk of every record handed over, in order (repeats included)
	failOn map[string]int
	err    bool // fail with a function error instead of a batch item failure
}

func (r *recorder) handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		pk := rec.Change.Keys["pk"].String()
		r.seen = append(r.seen, pk)
		if rec.EventSource != "aws:dynamodb" || rec.Change.NewImage["n"].Number() != "7" || len(rec.Change.NewImage["tags"].StringSet()) != 2 {
			panic("not the record Lambda would send")
		}
		if r.failOn[pk] > 0 {
			r.failOn[pk]--
			if r.err {
				return events.DynamoDBEventResponse{}, errors.New("boom")
			}
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func start(t *testing.T, tb *table, h streampoller.Handler, o streampoller.Options) *streampoller.Poller {
	t.Helper()
	sc, err := server.StreamsClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o.Streams, o.StreamARN, o.Handler, o.Name = sc, tb.arn, h, t.Name()
	if o.Backoff == 0 {
		o.Backoff = 5 * time.Millisecond
	}
	p, err := streampoller.New(o)
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

func drain(t *testing.T, p *streampoller.Poller) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Drain(ctx); err != nil {
		t.Fatalf("drain: %v", err)
	}
}

func TestOrderFilterAndResume(t *testing.T) {
	tb := newTable(t)
	rec := &recorder{}
	p := start(t, tb, rec.handle, streampoller.Options{BatchSize: 3, Filter: `{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"W#"}]}}}}`})
	for i := range 7 {
		tb.put(fmt.Sprintf("p%d", i), "W#1")
		tb.put(fmt.Sprintf("x%d", i), "OTHER") // filtered out
	}
	tb.put("p0", "W#1") // an overwrite is a MODIFY: filtered out
	drain(t, p)
	want := []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6"}
	if got := rec.got(); !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
	if n := p.Invocations(); n < 3 {
		t.Fatalf("%d invocations for 7 records in batches of 3", n)
	}
	// Stopped, then restarted: it resumes after its checkpoint.
	p.Stop()
	tb.put("p7", "W#1")
	p.Start()
	drain(t, p)
	if got := rec.got(); !slices.Equal(got, append(want, "p7")) {
		t.Fatalf("after restart: %v", got)
	}
}

func TestRetriesPartialFailuresAndDeadLetters(t *testing.T) {
	tb := newTable(t)
	// b fails twice (recovers), d always fails (dead letter); the others succeed once.
	rec := &recorder{failOn: map[string]int{"b": 2, "d": 100}}
	p := start(t, tb, rec.handle, streampoller.Options{BatchSize: 10, Retries: 3})
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		tb.put(k, "W#1")
	}
	drain(t, p)
	got := rec.got()
	count := func(k string) int {
		n := 0
		for _, g := range got {
			if g == k {
				n++
			}
		}
		return n
	}
	if count("a") != 1 {
		t.Errorf("a (before the failures) handled %d times, want 1: %v", count("a"), got)
	}
	if count("b") != 3 {
		t.Errorf("b handled %d times, want 3 (two failures, one success): %v", count("b"), got)
	}
	if count("d") != 4 {
		t.Errorf("d handled %d times, want 4 (first try and 3 retries): %v", count("d"), got)
	}
	if count("e") < 1 {
		t.Errorf("e never handled after the dead letter: %v", got)
	}
	dl := p.DeadLetters().List()
	if len(dl) != 1 || dl[0].Records[0].Change.Keys["pk"].String() != "d" || dl[0].Reason != "batch_item_failures" || dl[0].StartSequenceNumber == "" {
		t.Fatalf("dead letters: %+v", dl)
	}
	// e came after d in the batch: it was retried with d, then handled on its own.
	if last := got[len(got)-1]; last != "e" {
		t.Errorf("last handled %q, want e", last)
	}
}

func TestBisectOnFunctionError(t *testing.T) {
	tb := newTable(t)
	rec := &recorder{failOn: map[string]int{"c": 100}, err: true}
	p := start(t, tb, rec.handle, streampoller.Options{BatchSize: 4, Retries: 4, Bisect: true})
	for _, k := range []string{"a", "b", "c", "d"} {
		tb.put(k, "W#1")
	}
	drain(t, p)
	dl := p.DeadLetters().List()
	if len(dl) != 1 || dl[0].BatchSize != 1 || dl[0].Records[0].Change.Keys["pk"].String() != "c" || dl[0].Reason != "function_error" {
		t.Fatalf("bisection should isolate c: %+v", dl)
	}
	got := rec.got()
	if !slices.Contains(got, "d") || !slices.Contains(got, "a") {
		t.Fatalf("handled %v", got)
	}
}

func TestFilterCompile(t *testing.T) {
	for _, bad := range []string{`[]`, `{"a":"b"}`, `{"a":[{"numeric":[">",1]}]}`, `{"a":[{"prefix":"x","suffix":"y"}]}`} {
		if _, err := streampoller.CompileFilter(bad); err == nil {
			t.Errorf("CompileFilter(%s) accepted", bad)
		}
	}
	f, err := streampoller.CompileFilter(`{"dynamodb":{"NewImage":{"status":{"S":["pending"]},"attempts":{"N":["0"]},"gone":[{"exists":false}]}}}`)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(status, attempts string) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{Change: events.DynamoDBStreamRecord{NewImage: map[string]events.DynamoDBAttributeValue{
			"status": events.NewStringAttribute(status), "attempts": events.NewNumberAttribute(attempts)}}}
	}
	if !f.Match(rec("pending", "0")) || f.Match(rec("pending", "1")) || f.Match(rec("delivered", "0")) {
		t.Fatal("filter mismatch")
	}
}
