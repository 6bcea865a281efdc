package dynamostore

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BudgetPrefix is the partition key prefix of the Unico budget's buckets (shared/unicobudget):
// one small item per priority, B#<bucket>, sort key "B", holding the bucket's theoretical
// arrival time in microseconds since the epoch. Stream consumers ignore it (not P#).
const BudgetPrefix = "B#"

// AddTAT adds step to bucket's arrival time if it lies between from and to, with one atomic
// UpdateItem (ADD): concurrent containers each get their own slot without retrying. When the
// condition fails the stored value comes back with the error (no second read).
func (s *Store) AddTAT(ctx context.Context, bucket string, step time.Duration, from, to time.Time) (time.Time, bool, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: tableName(s), Key: budgetKey(bucket),
		UpdateExpression:    aws.String("ADD tat :step"),
		ConditionExpression: aws.String("tat BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":step": num(step.Microseconds()), ":from": num(from.UnixMicro()), ":to": num(to.UnixMicro()),
		},
		ReturnValues:                        types.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return budgetFailure(err)
	}
	return microTime(getN(out.Attributes, "tat")), true, nil
}

// RaiseTAT sets bucket's arrival time to next if it is absent or before floor (one
// conditional UpdateItem; the stored value comes back when it is not).
func (s *Store) RaiseTAT(ctx context.Context, bucket string, floor, next time.Time) (time.Time, bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: tableName(s), Key: budgetKey(bucket),
		UpdateExpression:                    aws.String("SET tat = :next"),
		ConditionExpression:                 aws.String("attribute_not_exists(tat) OR tat < :floor"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":next": num(next.UnixMicro()), ":floor": num(floor.UnixMicro())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return budgetFailure(err)
	}
	return microTime(next.UnixMicro()), true, nil
}

func budgetKey(bucket string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str(BudgetPrefix + bucket), "sk": str("B")}
}

// budgetFailure turns a failed condition into the stored value, anything else into a store error.
func budgetFailure(err error) (time.Time, bool, error) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return microTime(getN(ccf.Item, "tat")), false, nil
	}
	return time.Time{}, false, storeError("UpdateItem", err)
}

func microTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}
