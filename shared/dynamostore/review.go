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

// Manual review (domain/review.go) on the process item:
//
//	reviewOutcome, reviewer, reviewedAt, reviewReplaced (the automatic decision, JSON) and
//	reviewReason (personal data: REMOVEd by RedactProcess)
//	gsi3 = (RQ#<tenant>, <createdAt>#<id>) only while the process waits for a person
//	(domain.Process.AwaitingReview): a sparse index, so the review queue reads nothing else
//
// IndexReview is the review queue's index.
const IndexReview = "gsi3"

const reviewQueuePrefix = "RQ#"

var (
	_ domain.ProcessReviewer   = (*Store)(nil)
	_ domain.ReviewQueueLister = (*Store)(nil)
)

// encodeReview adds the review attributes and the review-queue index to a process item
// (encodeProcess calls it).
func encodeReview(item map[string]types.AttributeValue, p domain.Process) {
	if p.AwaitingReview() {
		item["gsi3pk"] = str(reviewQueuePrefix + p.Tenant)
		item["gsi3sk"] = str(sortTime(p.CreatedAt) + "#" + p.ID)
	}
	r := p.Review
	if r == nil {
		return
	}
	replaced, _ := json.Marshal(r.Replaced)
	item["reviewOutcome"] = str(string(r.Outcome))
	item["reviewedAt"] = str(ts(r.DecidedAt))
	item["reviewReplaced"] = str(string(replaced))
	optStr(item, "reviewer", r.Reviewer)
	optStr(item, "reviewReason", r.Reason)
}

// decodeReview reads them back (decodeProcess calls it).
func decodeReview(item map[string]types.AttributeValue, p *domain.Process) error {
	o := getS(item, "reviewOutcome")
	if o == "" {
		return nil
	}
	r := &domain.Review{Outcome: domain.Outcome(o), Reviewer: getS(item, "reviewer"), Reason: getS(item, "reviewReason"),
		DecidedAt: getT(item, "reviewedAt")}
	if d := getS(item, "reviewReplaced"); d != "" {
		if err := json.Unmarshal([]byte(d), &r.Replaced); err != nil {
			return &domain.Error{Kind: domain.KindInternal, Code: "corrupt_item", Message: "A stored process could not be read.", Err: err}
		}
	}
	p.Review = r
	return nil
}

// ReviewProcess writes the reviewed process (conditional on the version read and on the stored
// item having no review yet), its outbound event (replacing the process's previous one: the
// notifier's stream filter sees a pending event with no attempt, and an attempt of the old
// event that is still running loses its settle) and the Idempotency-Key's answer, in one
// transaction.
func (s *Store) ReviewProcess(ctx context.Context, next domain.Process, prevVersion int64, ev *domain.OutboundEvent, done domain.IdempotencyDone) error {
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: tableName(s), Item: encodeProcess(next),
			ConditionExpression:       aws.String("attribute_exists(pk) AND version = :prev AND attribute_not_exists(reviewOutcome) AND attribute_not_exists(redacted)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":prev": num(prevVersion)}}},
	}
	if ev != nil {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: tableName(s), Item: encodeEvent(*ev)}})
	}
	items = append(items, completeItem(s, done))
	return s.transact(ctx, items)
}

// ListReviewQueue queries gsi3's partition of the tenant: the processes waiting for a person,
// oldest first, one Query per page. The createdFrom/createdTo bounds are key conditions; state
// and client reference are filters, as in ListProcesses.
func (s *Store) ListReviewQueue(ctx context.Context, q domain.ListQuery) (domain.ListPage, error) {
	pk := reviewQueuePrefix + q.Tenant
	in := &dynamodb.QueryInput{
		TableName: tableName(s), IndexName: aws.String(IndexReview), ScanIndexForward: aws.Bool(true), Limit: aws.Int32(int32(q.Limit)),
		ExpressionAttributeNames:  map[string]string{"#pk": "gsi3pk"},
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
		in.ExpressionAttributeValues[":from"] = str(sortTime(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		in.ExpressionAttributeValues[":to"] = str(sortTime(q.CreatedTo) + "#~")
	}
	if !q.CreatedFrom.IsZero() || !q.CreatedTo.IsZero() {
		in.ExpressionAttributeNames["#sk"] = "gsi3sk"
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
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if q.Cursor != "" {
		start, err := decodeQueueCursor(q.Cursor, pk)
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

// decodeQueueCursor checks a queue cursor like decodeCursor does a list cursor: its partition
// must be the caller's queue.
func decodeQueueCursor(c, pk string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 2048 {
		return nil, errBadCursor
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 4 || m["gsi3pk"] != pk ||
		!strings.HasPrefix(m["pk"], "P#") || m["sk"] != "P" || m["gsi3sk"] == "" {
		return nil, errBadCursor
	}
	out := map[string]types.AttributeValue{}
	for k, v := range m {
		out[k] = str(v)
	}
	return out, nil
}

// reviewedFilter adds the list's reviewed=true|false filter (ListProcesses calls it).
func reviewedFilter(q domain.ListQuery, filters []string) []string {
	if q.Reviewed == nil {
		return filters
	}
	if *q.Reviewed {
		return append(filters, "attribute_exists(reviewOutcome)")
	}
	return append(filters, "attribute_not_exists(reviewOutcome)")
}
