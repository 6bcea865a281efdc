package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

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
	pk := "T#" + q.Tenant
	in := &dynamodb.QueryInput{
		TableName: tableName(s), IndexName: aws.String("gsi1"), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(q.Limit)),
		ExpressionAttributeNames:  map[string]string{"#pk": "gsi1pk"},
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
		in.ExpressionAttributeValues[":from"] = str(ts(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		in.ExpressionAttributeValues[":to"] = str(ts(q.CreatedTo) + "#~") // inclusive of that instant's ids
	}
	if !q.CreatedFrom.IsZero() || !q.CreatedTo.IsZero() {
		in.ExpressionAttributeNames["#sk"] = "gsi1sk"
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
	filters = reviewedFilter(q, filters) // review.go
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if q.Cursor != "" {
		start, err := decodeCursor(q.Cursor, pk)
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

func decodeCursor(c, pk string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 2048 {
		return nil, errBadCursor
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 4 || m["gsi1pk"] != pk ||
		!strings.HasPrefix(m["pk"], "P#") || m["sk"] != "P" || m["gsi1sk"] == "" {
		return nil, errBadCursor
	}
	out := map[string]types.AttributeValue{}
	for k, v := range m {
		out[k] = str(v)
	}
	return out, nil
}
