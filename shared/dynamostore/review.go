package dynamostore

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	return s.queryIndex(ctx, reviewIndex, reviewQueuePrefix+q.Tenant, q, nil) // list.go
}

var reviewIndex = indexQuery{index: IndexReview, pkAttr: "gsi3pk", skAttr: "gsi3sk", oldestFirst: true, sortKey: sortTime}

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
