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

func eventKey(processID string) map[string]types.AttributeValue { return key("P#"+processID, eventSK) }

// UpdateProcessWithEvent writes the process (with UpdateProcess's conditions) and its outbound
// event in one transaction: the outbox. The event is written whatever was there (a process
// becomes final once, so there is none unless restored from a backup).
func (s *Store) UpdateProcessWithEvent(ctx context.Context, next domain.Process, prevVersion int64, ev domain.OutboundEvent) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tableName(s), Item: encodeProcess(next),
			ConditionExpression: aws.String("attribute_exists(pk) AND version = :prev AND stateRank <= :rank"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":prev": num(prevVersion), ":rank": num(int64(next.State.Rank())),
			}}},
		{Put: &types.Put{TableName: tableName(s), Item: encodeEvent(ev)}},
	}})
	if err != nil {
		var tce *types.TransactionCanceledException
		if asErr(err, &tce) && len(tce.CancellationReasons) > 0 && aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return domain.ErrConditionFailed
		}
	}
	return storeError("TransactWriteItems", err)
}

// CreateProcessWithEvent creates a process that is final from the start with its outbound event
// and, with done, the completion of its Idempotency-Key: one transaction of three items.
func (s *Store) CreateProcessWithEvent(ctx context.Context, p domain.Process, done *domain.IdempotencyDone, ev domain.OutboundEvent) error {
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: tableName(s), Item: encodeProcess(p), ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{TableName: tableName(s), Item: encodeEvent(ev)}},
	}
	if done != nil {
		items = append(items, completeItem(s, *done))
	}
	return s.transact(ctx, items)
}

// GetEvent reads a process's outbound event (strongly consistent: attempts are claimed on it).
func (s *Store) GetEvent(ctx context.Context, processID string) (domain.OutboundEvent, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: tableName(s), Key: eventKey(processID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.OutboundEvent{}, storeError("GetItem", err)
	}
	if len(out.Item) == 0 {
		return domain.OutboundEvent{}, domain.ErrEventNotFound
	}
	return decodeEvent(out.Item), nil
}

// DueEvents queries gsi2's OUTBOX partition up to now.
func (s *Store) DueEvents(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return s.dueIDs(ctx, outboxPartition, now, limit)
}

// ParkedEvents lists the process ids of parked events (the outbox's dead letters), oldest first.
func (s *Store) ParkedEvents(ctx context.Context, limit int) ([]string, error) {
	return s.dueIDs(ctx, parkedPartition, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), limit)
}

// ClaimEvent takes an attempt with one conditional update.
func (s *Store) ClaimEvent(ctx context.Context, processID string, prevAttempts int, retryAt time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tableName(s), Key: eventKey(processID),
		UpdateExpression:         aws.String("SET attempts = :next, nextAttemptAt = :at, gsi2sk = :sk"),
		ConditionExpression:      aws.String("#status = :pending AND attempts = :prev"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":next": num(int64(prevAttempts + 1)), ":prev": num(int64(prevAttempts)), ":pending": str(string(domain.EventPending)),
			":at": str(ts(retryAt)), ":sk": str(sortTime(retryAt) + "#" + processID),
		}})
	return storeError("UpdateItem", err)
}

// SettleEvent records an attempt's outcome if no other attempt was claimed since.
func (s *Store) SettleEvent(ctx context.Context, ev domain.OutboundEvent) error {
	sets := []string{"#status = :status"}
	var removes []string
	vals := map[string]types.AttributeValue{":status": str(string(ev.Status)), ":attempts": num(int64(ev.Attempts))}
	set := func(attr string, v types.AttributeValue) {
		sets = append(sets, attr+" = :"+attr)
		vals[":"+attr] = v
	}
	optional := func(attr, v string) {
		if v == "" {
			removes = append(removes, attr)
		} else {
			set(attr, str(v))
		}
	}
	optional("lastError", ev.LastError)
	optional("nextAttemptAt", tsOrEmpty(ev.NextAttemptAt))
	optional("deliveredAt", tsOrEmpty(ev.DeliveredAt))
	if pk, sk := eventIndex(ev); pk != "" {
		set("gsi2pk", str(pk))
		set("gsi2sk", str(sk))
	} else {
		removes = append(removes, "gsi2pk", "gsi2sk")
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tableName(s), Key: eventKey(ev.ProcessID),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("attempts = :attempts"),
		ExpressionAttributeNames: map[string]string{"#status": "status"}, ExpressionAttributeValues: vals})
	return storeError("UpdateItem", err)
}

// PutEvent writes the event as given.
func (s *Store) PutEvent(ctx context.Context, ev domain.OutboundEvent) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tableName(s), Item: encodeEvent(ev)})
	return storeError("PutItem", err)
}

// eventIndex places an event in gsi2: pending ones by next attempt, parked ones by when they
// were parked; delivered and callback-less ones leave the index.
func eventIndex(ev domain.OutboundEvent) (pk, sk string) {
	switch ev.Status {
	case domain.EventPending:
		return outboxPartition, sortTime(ev.NextAttemptAt) + "#" + ev.ProcessID
	case domain.EventParked:
		return parkedPartition, sortTime(ev.NextAttemptAt) + "#" + ev.ProcessID
	}
	return "", ""
}

func encodeEvent(ev domain.OutboundEvent) map[string]types.AttributeValue {
	item := eventKey(ev.ProcessID)
	item["id"] = str(ev.ID)
	item["processId"] = str(ev.ProcessID)
	item["tenant"] = str(ev.Tenant)
	item["type"] = str(ev.Type)
	item["payload"] = str(string(ev.Payload))
	item["status"] = str(string(ev.Status))
	item["attempts"] = num(int64(ev.Attempts))
	item["createdAt"] = str(ts(ev.CreatedAt))
	optStr(item, "nextAttemptAt", tsOrEmpty(ev.NextAttemptAt))
	optStr(item, "deliveredAt", tsOrEmpty(ev.DeliveredAt))
	optStr(item, "lastError", ev.LastError)
	if pk, sk := eventIndex(ev); pk != "" {
		item["gsi2pk"], item["gsi2sk"] = str(pk), str(sk)
	}
	if !ev.KeepUntil.IsZero() {
		item["ttl"] = num(ev.KeepUntil.Unix())
	}
	return item
}

func decodeEvent(item map[string]types.AttributeValue) domain.OutboundEvent {
	ev := domain.OutboundEvent{
		ID: getS(item, "id"), ProcessID: getS(item, "processId"), Tenant: getS(item, "tenant"), Type: getS(item, "type"),
		Payload: []byte(getS(item, "payload")), Status: domain.EventStatus(getS(item, "status")), Attempts: int(getN(item, "attempts")),
		NextAttemptAt: getT(item, "nextAttemptAt"), LastError: getS(item, "lastError"), CreatedAt: getT(item, "createdAt"),
		DeliveredAt: getT(item, "deliveredAt"),
	}
	if n := getN(item, "ttl"); n > 0 {
		ev.KeepUntil = time.Unix(n, 0).UTC()
	}
	return ev
}

func tsOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}
