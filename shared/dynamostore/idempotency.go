package dynamostore

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/shared/domain"
)

const (
	statusInProgress = "IN_PROGRESS"
	statusCompleted  = "COMPLETED"
)

// BeginIdempotent takes the lock with one conditional PutItem. When the condition fails, the
// old item comes back with the error (ReturnValuesOnConditionCheckFailure), so deciding between
// replay, 409 and 422 costs no second read.
func (s *Store) BeginIdempotent(ctx context.Context, l domain.IdempotencyLock) (*domain.StoredAnswer, error) {
	item := idemKey(l.Tenant, l.Key)
	item["status"] = str(statusInProgress)
	item["fingerprint"] = str(l.Fingerprint)
	item["lockUntil"] = num(l.LockUntil.UnixMilli())
	item["ttl"] = num(l.KeepUntil.Unix())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: tableName(s), Item: item,
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR #ttl < :now OR (#status = :inprogress AND lockUntil < :nowms)"),
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl", "#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(l.Now.Unix()), ":nowms": num(l.Now.UnixMilli()), ":inprogress": str(statusInProgress),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, storeError("PutItem", err)
	}
	old := ccf.Item
	if getS(old, "fingerprint") != l.Fingerprint {
		return nil, domain.Errorf(domain.KindUnprocessable, domain.CodeIdempotencyMismatch,
			"This Idempotency-Key was used with a different request body.")
	}
	if getS(old, "status") != statusCompleted {
		return nil, &domain.Error{Kind: domain.KindConflict, Code: domain.CodeIdempotencyInFlight,
			Message: "A request with this Idempotency-Key is still in progress; retry later.", RetryAfter: time.Second}
	}
	ans := &domain.StoredAnswer{ErrCode: getS(old, "errCode"), ErrMessage: getS(old, "errMessage"), ErrKind: domain.Kind(getN(old, "errKind"))}
	if b, ok := old["result"].(*types.AttributeValueMemberB); ok {
		ans.Result = b.Value
	}
	return ans, nil
}

// CompleteIdempotent stores an answer that is not a created process (a definite error).
func (s *Store) CompleteIdempotent(ctx context.Context, done domain.IdempotencyDone) error {
	_, err := s.db.UpdateItem(ctx, completeUpdate(s, done))
	return storeError("UpdateItem", err)
}

// ReleaseIdempotent deletes the lock while it is still in progress.
func (s *Store) ReleaseIdempotent(ctx context.Context, tenant, k string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tableName(s), Key: idemKey(tenant, k),
		ConditionExpression:       aws.String("#status = :inprogress"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":inprogress": str(statusInProgress)}})
	err = storeError("DeleteItem", err)
	if errors.Is(err, domain.ErrConditionFailed) {
		return nil // already completed or gone: nothing to release
	}
	return err
}

func completeUpdate(s *Store, d domain.IdempotencyDone) *dynamodb.UpdateItemInput {
	values := map[string]types.AttributeValue{
		":completed": str(statusCompleted), ":inprogress": str(statusInProgress),
		":ttl": num(d.KeepUntil.Unix()), ":kind": num(int64(d.Answer.ErrKind)),
	}
	expr := "SET #status = :completed, #ttl = :ttl, errKind = :kind"
	names := map[string]string{"#status": "status", "#ttl": "ttl"}
	if len(d.Answer.Result) > 0 {
		values[":result"] = &types.AttributeValueMemberB{Value: d.Answer.Result}
		names["#result"] = "result"
		expr += ", #result = :result"
	}
	if d.Answer.ErrCode != "" {
		values[":code"] = str(d.Answer.ErrCode)
		values[":msg"] = str(d.Answer.ErrMessage)
		expr += ", errCode = :code, errMessage = :msg"
	}
	return &dynamodb.UpdateItemInput{
		TableName: tableName(s), Key: idemKey(d.Tenant, d.Key),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#status = :inprogress"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
