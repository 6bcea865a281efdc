package dynamostore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/shared/domain"
)

// GetProcess reads one process with a strongly consistent read (a webhook may have just
// written it).
func (s *Store) GetProcess(ctx context.Context, id string) (domain.Process, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: tableName(s), Key: processKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Process{}, storeError("GetItem", err)
	}
	if len(out.Item) == 0 {
		return domain.Process{}, domain.ErrNotFound
	}
	return decodeProcess(out.Item)
}

// CreateProcess writes a new process; with done, the idempotency record is completed in the
// same transaction so that a replay can never see a lock without its process or the reverse.
func (s *Store) CreateProcess(ctx context.Context, p domain.Process, done *domain.IdempotencyDone) error {
	item := encodeProcess(p)
	if done == nil {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tableName(s), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(pk)")})
		return storeError("PutItem", err)
	}
	return s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{TableName: tableName(s), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		completeItem(s, *done),
	})
}

// completeItem is CompleteIdempotent's update as a transaction item.
func completeItem(s *Store, d domain.IdempotencyDone) types.TransactWriteItem {
	c := completeUpdate(s, d)
	return types.TransactWriteItem{Update: &types.Update{TableName: c.TableName, Key: c.Key, UpdateExpression: c.UpdateExpression,
		ConditionExpression: c.ConditionExpression, ExpressionAttributeNames: c.ExpressionAttributeNames,
		ExpressionAttributeValues: c.ExpressionAttributeValues}}
}

// transact writes items in one transaction; a failed condition on any of them is
// ErrConditionFailed (and nothing was written).
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err != nil {
		var tce *types.TransactionCanceledException
		if asErr(err, &tce) {
			for _, r := range tce.CancellationReasons {
				if aws.ToString(r.Code) == "ConditionalCheckFailed" {
					return domain.ErrConditionFailed
				}
			}
		}
	}
	return storeError("TransactWriteItems", err)
}

// UpdateProcess replaces the process if nobody wrote it since prevVersion and the state does
// not move backwards.
func (s *Store) UpdateProcess(ctx context.Context, next domain.Process, prevVersion int64) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: tableName(s), Item: encodeProcess(next),
		ConditionExpression: aws.String("attribute_exists(pk) AND version = :prev AND stateRank <= :rank"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":prev": num(prevVersion), ":rank": num(int64(next.State.Rank())),
		}})
	return storeError("PutItem", err)
}

func encodeProcess(p domain.Process) map[string]types.AttributeValue {
	decision, _ := json.Marshal(p.Decision)
	created := ts(p.CreatedAt)
	item := processKey(p.ID)
	item["id"] = str(p.ID)
	item["tenant"] = str(p.Tenant)
	item["integration"] = str(string(p.Integration))
	item["flow"] = str(p.Flow)
	item["state"] = str(string(p.State))
	item["stateRank"] = num(int64(p.State.Rank()))
	item["decision"] = str(string(decision))
	item["createdAt"] = str(created)
	item["updatedAt"] = str(ts(p.UpdatedAt))
	item["version"] = num(p.Version)
	item["gsi1pk"] = str("T#" + p.Tenant)
	item["gsi1sk"] = str(created + "#" + p.ID)
	if !p.State.Final() {
		// gsi2 holds open processes by the time the sweeper should next look at them (sweep.go).
		item["gsi2pk"] = str(openPartition)
		item["gsi2sk"] = str(sweepSortKey(p))
	}
	if !p.NextSweepAt.IsZero() {
		item["nextSweepAt"] = str(ts(p.NextSweepAt))
	}
	optStr(item, "unicoState", p.UnicoState)
	optStr(item, "unicoResult", p.UnicoResult)
	optStr(item, "clientReference", p.ClientReference)
	optStr(item, "cpfHash", p.CPFHash)
	optStr(item, "cpfMasked", p.CPFMasked)
	if !p.FinishedAt.IsZero() {
		item["finishedAt"] = str(ts(p.FinishedAt))
	}
	if !p.UnicoExpiresAt.IsZero() {
		item["unicoExpiresAt"] = str(ts(p.UnicoExpiresAt))
	}
	if !p.RetainUntil.IsZero() {
		item["retainUntil"] = str(ts(p.RetainUntil))
		item["ttl"] = num(p.RetainUntil.Unix())
	}
	if !p.CheckedAt.IsZero() {
		item["checkedAt"] = str(ts(p.CheckedAt))
	}
	if p.Results != nil {
		// One JSON attribute: read whole, never queried. It holds no personal data
		// (domain.Results.recordable).
		results, _ := json.Marshal(p.Results)
		item["results"] = str(string(results))
	}
	if p.Redacted {
		item["redacted"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if !p.RedactedAt.IsZero() {
		item["redactedAt"] = str(ts(p.RedactedAt))
	}
	encodeReview(item, p) // review.go
	return item
}

func decodeProcess(item map[string]types.AttributeValue) (domain.Process, error) {
	p := domain.Process{
		ID:              getS(item, "id"),
		Tenant:          getS(item, "tenant"),
		Integration:     domain.Integration(getS(item, "integration")),
		Flow:            getS(item, "flow"),
		State:           domain.State(getS(item, "state")),
		UnicoState:      getS(item, "unicoState"),
		UnicoResult:     getS(item, "unicoResult"),
		ClientReference: getS(item, "clientReference"),
		CPFHash:         getS(item, "cpfHash"),
		CPFMasked:       getS(item, "cpfMasked"),
		CreatedAt:       getT(item, "createdAt"),
		UpdatedAt:       getT(item, "updatedAt"),
		FinishedAt:      getT(item, "finishedAt"),
		UnicoExpiresAt:  getT(item, "unicoExpiresAt"),
		RetainUntil:     getT(item, "retainUntil"),
		RedactedAt:      getT(item, "redactedAt"),
		NextSweepAt:     getT(item, "nextSweepAt"),
		CheckedAt:       getT(item, "checkedAt"),
		Version:         getN(item, "version"),
	}
	if b, ok := item["redacted"].(*types.AttributeValueMemberBOOL); ok {
		p.Redacted = b.Value
	}
	if d := getS(item, "decision"); d != "" {
		if err := json.Unmarshal([]byte(d), &p.Decision); err != nil {
			return domain.Process{}, &domain.Error{Kind: domain.KindInternal, Code: "corrupt_item", Message: "A stored process could not be read.", Err: err}
		}
	}
	if r := getS(item, "results"); r != "" {
		p.Results = new(domain.Results)
		if err := json.Unmarshal([]byte(r), p.Results); err != nil {
			return domain.Process{}, &domain.Error{Kind: domain.KindInternal, Code: "corrupt_item", Message: "A stored process could not be read.", Err: err}
		}
	}
	if err := decodeReview(item, &p); err != nil { // review.go
		return domain.Process{}, err
	}
	return p, nil
}

// ClaimRefresh sets checkedAt to now if nobody wrote the process or claimed its refresh since
// p was read (domain.ProcessRefresher): one conditional UpdateItem that leaves the version alone,
// so that the worker's and sweeper's conditional writes never lose to a read.
func (s *Store) ClaimRefresh(ctx context.Context, p domain.Process, now time.Time) error {
	cond := "#version = :v AND attribute_not_exists(#checkedAt)"
	values := map[string]types.AttributeValue{":v": num(p.Version), ":now": str(ts(now))}
	if !p.CheckedAt.IsZero() {
		cond = "#version = :v AND #checkedAt = :prev"
		values[":prev"] = str(ts(p.CheckedAt))
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: tableName(s), Key: processKey(p.ID),
		UpdateExpression:          aws.String("SET #checkedAt = :now"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#version": "version", "#checkedAt": "checkedAt"},
		ExpressionAttributeValues: values,
	})
	return storeError("UpdateItem", err)
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func optStr(item map[string]types.AttributeValue, k, v string) {
	if v != "" {
		item[k] = str(v)
	}
}
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func getS(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(item map[string]types.AttributeValue, k string) int64 {
	if v, ok := item[k].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getT(item map[string]types.AttributeValue, k string) time.Time {
	s := getS(item, k)
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
