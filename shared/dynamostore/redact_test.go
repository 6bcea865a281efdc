package dynamostore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
)

// TestRedactProcess: one conditional write removes the personal attributes (the raw item no
// longer has them), keeps the decision, states and timestamps, and refuses another tenant, an
// unknown id, a second redaction and a process past its retention.
func TestRedactProcess(t *testing.T) {
	ctx := context.Background()
	db := dynamolocaltest.Client(t, server)
	table := dynamolocaltest.TableName(t)
	if err := dynamostore.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	s := dynamostore.New(db, table)

	p := sample("44444444-4444-4444-8444-444444444444")
	p.ClientReference = "customer-joao@example.com"
	p.State, p.UnicoResult = domain.StateProcessing, "PROCESS_RESULT_UNSPECIFIED"
	p.Decision = domain.Decision{Outcome: domain.OutcomePending, Reasons: []domain.Reason{{Code: "awaiting_person", Message: "m"}}}
	if err := s.CreateProcess(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	// Still open: it is on the open-process index until the redaction.
	open := rawAttrs(t, db, table, p.ID)
	if open["gsi2pk"] == nil {
		t.Fatal("an open process is not on gsi2")
	}
	now := t0.Add(2 * time.Hour)

	for name, r := range map[string]domain.RedactRequest{
		"other tenant":   {Tenant: "other", ID: p.ID, Now: now},
		"unknown id":     {Tenant: "acme", ID: "55555555-5555-4555-8555-555555555555", Now: now},
		"past retention": {Tenant: "acme", ID: p.ID, Now: p.RetainUntil.Add(time.Second)},
	} {
		if _, err := s.RedactProcess(ctx, r); !errors.Is(err, domain.ErrConditionFailed) {
			t.Errorf("%s: want ErrConditionFailed, got %v", name, err)
		}
	}
	if got := must(s.GetProcess(ctx, p.ID))(t); got.Redacted || got.CPFHash == "" || got.Version != 1 {
		t.Fatalf("a refused redaction changed the item: %+v", got)
	}

	got, err := s.RedactProcess(ctx, domain.RedactRequest{Tenant: "acme", ID: p.ID, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Redacted || !got.RedactedAt.Equal(now) || got.Version != 2 || got.CPFHash != "" || got.CPFMasked != "" || got.ClientReference != "" {
		t.Fatalf("redacted process: %+v", got)
	}
	if got.State != domain.StateProcessing || got.Decision.Outcome != domain.OutcomePending || len(got.Decision.Reasons) != 1 ||
		got.UnicoResult != "PROCESS_RESULT_UNSPECIFIED" || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(p.UpdatedAt) ||
		!got.RetainUntil.Equal(p.RetainUntil) || got.Tenant != "acme" {
		t.Fatalf("redaction lost audit data: %+v", got)
	}
	raw := rawAttrs(t, db, table, p.ID)
	for _, attr := range []string{"cpfHash", "cpfMasked", "clientReference", "gsi2pk", "gsi2sk"} {
		if _, ok := raw[attr]; ok {
			t.Errorf("the stored item still has %s", attr)
		}
	}
	for _, attr := range []string{"decision", "state", "createdAt", "ttl", "gsi1pk", "gsi1sk", "redactedAt"} {
		if _, ok := raw[attr]; !ok {
			t.Errorf("the stored item lost %s", attr)
		}
	}

	// Idempotency is the service's: the store refuses a second redaction.
	if _, err := s.RedactProcess(ctx, domain.RedactRequest{Tenant: "acme", ID: p.ID, Now: now.Add(time.Minute)}); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("second redaction: want ErrConditionFailed, got %v", err)
	}
	// A writer that read the process before the redaction cannot put the data back.
	stale := p
	stale.Version = 2
	if err := s.UpdateProcess(ctx, stale, 1); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("stale write after redaction: want ErrConditionFailed, got %v", err)
	}
	// The list's clientReference filter no longer finds it; the plain list still does.
	page, err := s.ListProcesses(ctx, domain.ListQuery{Tenant: "acme", ClientReference: p.ClientReference, Limit: 10})
	if err != nil || len(page.Processes) != 0 {
		t.Fatalf("list by the removed client reference: %v %+v", err, page.Processes)
	}
	page, err = s.ListProcesses(ctx, domain.ListQuery{Tenant: "acme", Limit: 10})
	if err != nil || len(page.Processes) != 1 || !page.Processes[0].Redacted {
		t.Fatalf("list: %v %+v", err, page.Processes)
	}
}

func rawAttrs(t *testing.T, db *dynamodb.Client, table, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "P#" + id}, "sk": &types.AttributeValueMemberS{Value: "P"}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}
