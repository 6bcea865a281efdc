package dynamostore

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/shared/domain"
)

var _ domain.ProcessRedactor = (*Store)(nil)

// RedactProcess removes the process's personal data in one conditional UpdateItem: the
// attributes are REMOVEd (not blanked), so the clientReference filter of the list cannot match
// them any more; the process leaves the open-process index (gsi2), since nothing follows a
// redacted process at Unico any more; a review's reason (personal data) is removed and the
// process leaves the review queue (gsi3: a redacted process cannot be reviewed), while the
// review's outcome, reviewer and time stay for the audit; and the version is incremented, so that a writer that read the process before
// the redaction loses its conditional write instead of putting the data back. The condition
// checks the tenant, that the process is not redacted yet and that its retention (the ttl
// attribute, in whole seconds) has not passed: DynamoDB deletes expired items lazily.
func (s *Store) RedactProcess(ctx context.Context, r domain.RedactRequest) (domain.Process, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: tableName(s),
		Key:       processKey(r.ID),
		UpdateExpression: aws.String("REMOVE #cpfHash, #cpfMasked, #clientReference, #results, #gsi2pk, #gsi2sk, #reviewReason, #gsi3pk, #gsi3sk " +
			"SET #redacted = :true, #redactedAt = :now, #version = #version + :one"),
		ConditionExpression: aws.String("attribute_exists(pk) AND #tenant = :tenant AND attribute_not_exists(#redacted) " +
			"AND (attribute_not_exists(#ttl) OR #ttl > :epoch)"),
		ExpressionAttributeNames: map[string]string{
			"#cpfHash": "cpfHash", "#cpfMasked": "cpfMasked", "#clientReference": "clientReference", "#results": "results", "#gsi2pk": "gsi2pk", "#gsi2sk": "gsi2sk",
			"#reviewReason": "reviewReason", "#gsi3pk": "gsi3pk", "#gsi3sk": "gsi3sk",
			"#redacted": "redacted", "#redactedAt": "redactedAt", "#version": "version", "#tenant": "tenant", "#ttl": "ttl",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":true":   &types.AttributeValueMemberBOOL{Value: true},
			":now":    str(ts(r.Now)),
			":one":    num(1),
			":tenant": str(r.Tenant),
			":epoch":  &types.AttributeValueMemberN{Value: strconv.FormatInt(r.Now.Unix(), 10)},
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return domain.Process{}, storeError("UpdateItem", err)
	}
	return decodeProcess(out.Attributes)
}
