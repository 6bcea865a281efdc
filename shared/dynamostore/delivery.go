package dynamostore

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/shared/domain"
)

var (
	_ domain.DeliveryStore = (*Store)(nil)
	_ domain.SweepStore    = (*Store)(nil)
	_ domain.OutboxStore   = (*Store)(nil)
)

// Partitions of gsi2 and the sort keys of the items this file and outbox.go write.
const (
	openPartition   = "OPEN"   // open processes, by next sweeper check
	outboxPartition = "OUTBOX" // pending outbound events, by next attempt
	parkedPartition = "PARKED" // parked outbound events, by when they were parked
	deliveryPrefix  = "W#"     // sk of a webhook delivery
	eventSK         = "EVT"    // sk of a process's outbound event
)

// DeliveryPrefix is the sort-key prefix of webhook-delivery items (the worker's stream filter).
const DeliveryPrefix = deliveryPrefix

// EventSK is the sort key of outbound-event items (the notifier's stream filter).
const EventSK = eventSK

// sortTime formats t for sort keys: fixed width, so that strings order like times (RFC 3339
// with trimmed fractions does not: "…:05Z" sorts after "…:05.1Z").
func sortTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func sweepSortKey(p domain.Process) string {
	t := p.NextSweepAt
	if t.IsZero() {
		t = p.CreatedAt
	}
	return sortTime(t) + "#" + p.ID
}

// RecordDelivery writes the delivery item in a transaction with a check that the process exists
// and is open; the item's own condition catches a duplicate. One round trip: the failed check
// returns the process (ReturnValuesOnConditionCheckFailure), which tells "unknown" from "final".
func (s *Store) RecordDelivery(ctx context.Context, d domain.Delivery) (domain.DeliveryOutcome, error) {
	item := key("P#"+d.ProcessID, deliveryPrefix+d.Key)
	item["processId"] = str(d.ProcessID)
	item["receivedAt"] = str(ts(d.ReceivedAt))
	optStr(item, "unicoState", d.UnicoState)
	optStr(item, "event", d.Event)
	item["ttl"] = num(d.KeepUntil.Unix())
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: tableName(s), Key: processKey(d.ProcessID),
			ConditionExpression:                 aws.String("attribute_exists(pk) AND stateRank < :final"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":final": num(int64(domain.StateFinished.Rank()))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: &types.Put{TableName: tableName(s), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	if err == nil {
		return domain.DeliveryRecorded, nil
	}
	var tce *types.TransactionCanceledException
	if asErr(err, &tce) && len(tce.CancellationReasons) == 2 {
		process, delivery := tce.CancellationReasons[0], tce.CancellationReasons[1]
		if aws.ToString(process.Code) == "ConditionalCheckFailed" {
			if len(process.Item) == 0 {
				return domain.DeliveryUnknownProcess, nil
			}
			return domain.DeliveryProcessFinal, nil
		}
		if aws.ToString(delivery.Code) == "ConditionalCheckFailed" {
			return domain.DeliveryDuplicate, nil
		}
	}
	return 0, storeError("TransactWriteItems", err)
}

// DueForSweep queries gsi2's OPEN partition up to now: the index holds open processes only, by
// next check, so the query reads exactly the due ones.
func (s *Store) DueForSweep(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return s.dueIDs(ctx, openPartition, now, limit)
}

// dueIDs reads the process ids of a gsi2 partition whose sort key (a time) is at or before now.
func (s *Store) dueIDs(ctx context.Context, partition string, now time.Time, limit int) ([]string, error) {
	var ids []string
	var start map[string]types.AttributeValue
	for len(ids) < limit {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: tableName(s), IndexName: aws.String("gsi2"), ScanIndexForward: aws.Bool(true),
			KeyConditionExpression:    aws.String("gsi2pk = :pk AND gsi2sk <= :upto"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(partition), ":upto": str(sortTime(now) + "#~")},
			Limit:                     aws.Int32(int32(limit - len(ids))), ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, storeError("Query", err)
		}
		for _, it := range out.Items {
			if id, ok := strings.CutPrefix(getS(it, attrPK), "P#"); ok {
				ids = append(ids, id)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	return ids, nil
}
