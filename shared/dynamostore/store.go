// Package dynamostore implements the domain's stores on one DynamoDB table with the AWS SDK v2.
//
// Items (pk, sk):
//
//	P#<processId>, P             the process; gsi1 = (T#<tenant>, <createdAt>#<id>) lists a tenant's
//	                             processes; gsi2 = (OPEN, <nextSweepAt>#<id>) holds only open
//	                             processes, by when the sweeper should look at them next, so a
//	                             sweeper reads nothing but what is due (sweep.go)
//	                             gsi3 = (RQ#<tenant>, <createdAt>#<id>) holds only processes waiting
//	                             for a person's review, oldest first (review.go)
//	P#<processId>, W#<key>       a webhook delivery, written before it is acknowledged (delivery.go)
//	P#<processId>, EVT           the process's outbound event (the outbox, outbox.go); gsi2 =
//	                             (OUTBOX, <nextAttemptAt>#<id>) while pending, (PARKED, ...) once parked
//	I#<tenant>#<key>, I          an Idempotency-Key record
//
// Every write is conditional. The ttl attribute (epoch seconds) lets DynamoDB expire items;
// since TTL deletion is lazy, readers also check the retention themselves.
package dynamostore

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/unicogw/gateway/shared/domain"
)

// API is the part of *dynamodb.Client the store uses.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store is the DynamoDB implementation of domain.ProcessStore and domain.IdempotencyStore.
type Store struct {
	db    API
	table string
}

var (
	_ domain.ProcessStore     = (*Store)(nil)
	_ domain.IdempotencyStore = (*Store)(nil)
)

// New returns a store on the named table.
func New(db API, table string) *Store { return &Store{db: db, table: table} }

const (
	attrPK = "pk"
	attrSK = "sk"
)

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: pk}, attrSK: &types.AttributeValueMemberS{Value: sk}}
}

func processKey(id string) map[string]types.AttributeValue { return key("P#"+id, "P") }

func idemKey(tenant, k string) map[string]types.AttributeValue {
	return key("I#"+tenant+"#"+k, "I")
}

// storeError turns an SDK error into a domain error without leaking request content: the AWS
// error code is enough to diagnose.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return domain.ErrConditionFailed
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &domain.Error{Kind: domain.KindTimeout, Code: domain.CodeStoreUnavailable, Message: "The state store did not answer in time.", Err: err}
	}
	code := "unknown"
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return &domain.Error{Kind: domain.KindUnavailable, Code: domain.CodeStoreUnavailable, Message: "The state store is unavailable.",
		Err: errors.New("dynamodb " + op + ": " + code), RetryAfter: time.Second}
}

func tableName(s *Store) *string { return aws.String(s.table) }
