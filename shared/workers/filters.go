// Package workers holds the Lambda handlers of the gateway's asynchronous functions: the
// worker (the table's stream → domain.Service.SyncProcess for every recorded webhook delivery),
// the sweeper (a schedule → domain.Service.Sweep) and the notifier (the table's stream and a
// schedule → domain.Notifier). It is the adapter between Lambda's event types and the domain,
// which knows nothing of AWS. The local stack (local/streampoller, local/devstack) invokes these
// same handlers with the same event shapes.
package workers

import "github.com/unicogw/gateway/shared/dynamostore"

// Lambda event filter patterns of the two stream consumers (event source mapping
// FilterCriteria; infra deploys them and local/streampoller applies them). Records that do not
// match never reach the function. Lambda filters DynamoDB records on their "dynamodb" key only,
// so the patterns look at the new image (absent from REMOVE records, such as TTL deletions).
// The handlers check the records again, so a missing filter costs invocations, never
// correctness.
var (
	// WorkerFilter: a webhook delivery was recorded (delivery items are written once).
	WorkerFilter = `{"dynamodb":{"NewImage":{"sk":{"S":[{"prefix":"` + dynamostore.DeliveryPrefix + `"}]}}}}`
	// NotifierFilter: an outbound event is new or requeued (pending with no attempt yet). A
	// DynamoDB number is a string in the record: "0".
	NotifierFilter = `{"dynamodb":{"NewImage":{"sk":{"S":["` + dynamostore.EventSK +
		`"]},"status":{"S":["pending"]},"attempts":{"N":["0"]}}}}`
)
