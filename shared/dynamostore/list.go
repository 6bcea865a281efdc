package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/shared/domain"
)

var _ domain.ProcessLister = (*Store)(nil)

var errBadCursor = domain.Errorf(domain.KindInvalid, "invalid_cursor", "The cursor is not one this API returned.")

// ListProcesses queries gsi1 (the tenant's processes by creation time), newest first: one
// Query per page. Filters on state and client reference are applied by DynamoDB, so a page may
// hold fewer than Limit items while a cursor still follows.
func (s *Store) ListProcesses(ctx context.Context, q domain.ListQuery) (domain.ListPage, error) {
	return s.queryIndex(ctx, listIndex, "T#"+q.Tenant, q, reviewedFilter(q, nil)) // review.go
}

// indexQuery is one of the indexes a list reads: a tenant's partition sorted by creation time.
type indexQuery struct {
	index, pkAttr, skAttr string
	oldestFirst           bool
	sortKey               func(time.Time) string // the index's sort-key form of a creation time
}

var listIndex = indexQuery{index: "gsi1", pkAttr: "gsi1pk", skAttr: "gsi1sk", sortKey: ts}

// queryIndex runs one page of a list on ix's partition pk: the createdFrom/createdTo bounds as
// key conditions, state, client reference and extra as filters, the cursor checked against pk.
func (s *Store) queryIndex(ctx context.Context, ix indexQuery, pk string, q domain.ListQuery, extra []string) (domain.ListPage, error) {
	in := &dynamodb.QueryInput{
		TableName: tableName(s), IndexName: aws.String(ix.index), ScanIndexForward: aws.Bool(ix.oldestFirst), Limit: aws.Int32(int32(q.Limit)),
		ExpressionAttributeNames:  map[string]string{"#pk": ix.pkAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	cond := "#pk = :pk"
	switch {
	case !q.CreatedFrom.IsZero() && !q.CreatedTo.IsZero():
		cond += " AND #sk BETWEEN :from AND :to"
	case !q.CreatedFrom.IsZero():
		cond += " AND #sk >= :from"
	case !q.CreatedTo.IsZero():
		cond += " AND #sk <= :to"
	}
	if !q.CreatedFrom.IsZero() {
		in.ExpressionAttributeValues[":from"] = str(ix.sortKey(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		in.ExpressionAttributeValues[":to"] = str(ix.sortKey(q.CreatedTo) + "#~") // inclusive of that instant's ids
	}
	if !q.CreatedFrom.IsZero() || !q.CreatedTo.IsZero() {
		in.ExpressionAttributeNames["#sk"] = ix.skAttr
	}
	in.KeyConditionExpression = aws.String(cond)
	var filters []string
	if q.State != "" {
		filters = append(filters, "#state = :state")
		in.ExpressionAttributeNames["#state"] = "state"
		in.ExpressionAttributeValues[":state"] = str(string(q.State))
	}
	if q.ClientReference != "" {
		filters = append(filters, "clientReference = :cref")
		in.ExpressionAttributeValues[":cref"] = str(q.ClientReference)
	}
	filters = append(filters, extra...)
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if q.Cursor != "" {
		start, err := decodeCursor(q.Cursor, ix, pk)
		if err != nil {
			return domain.ListPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return domain.ListPage{}, storeError("Query", err)
	}
	page := domain.ListPage{Processes: make([]domain.Process, 0, len(out.Items))}
	for _, item := range out.Items {
		p, err := decodeProcess(item)
		if err != nil {
			return domain.ListPage{}, err
		}
		page.Processes = append(page.Processes, p)
	}
	if len(out.LastEvaluatedKey) > 0 {
		page.NextCursor = encodeCursor(out.LastEvaluatedKey)
	}
	return page, nil
}

// The cursor is the LastEvaluatedKey's four string attributes, base64url JSON. It is checked on
// the way back in: its partition must be the caller's, so a cursor cannot reach another tenant.
func encodeCursor(k map[string]types.AttributeValue) string {
	m := map[string]string{}
	for name, v := range k {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			m[name] = s.Value
		}
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, ix indexQuery, pk string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 2048 {
		return nil, errBadCursor
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 4 || m[ix.pkAttr] != pk ||
		!strings.HasPrefix(m["pk"], "P#") || m["sk"] != "P" || m[ix.skAttr] == "" {
		return nil, errBadCursor
	}
	out := map[string]types.AttributeValue{}
	for k, v := range m {
		out[k] = str(v)
	}
	return out, nil
}
