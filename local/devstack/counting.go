package devstack

import (
	"context"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/unicogw/gateway/shared/dynamostore"
)

// OpBudget is the name under which OpCounter counts the writes to the Unico budget's bucket
// (shared/unicobudget: one or two UpdateItems per Unico call), apart from the process's own.
const OpBudget = "UpdateItem(budget)"

// OpCounter counts SDK operations by name (one per call, whatever the retries), so tests and
// benchmarks can check the design's budget of DynamoDB round trips per request.
type OpCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newOpCounter() *OpCounter { return &OpCounter{counts: map[string]int{}} }

// Counts returns a copy of the counts and the total.
func (c *OpCounter) Counts() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, total := make(map[string]int, len(c.counts)), 0
	for k, v := range c.counts {
		out[k] = v
		total += v
	}
	return out, total
}

// Reset zeroes the counts.
func (c *OpCounter) Reset() {
	c.mu.Lock()
	c.counts = map[string]int{}
	c.mu.Unlock()
}

// apiOption adds the counting step to an SDK client's middleware stack.
func (c *OpCounter) apiOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("CountOperations",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			op := awsmiddleware.GetOperationName(ctx)
			if u, ok := in.Parameters.(*dynamodb.UpdateItemInput); ok {
				if pk, ok := u.Key["pk"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, dynamostore.BudgetPrefix) {
					op = OpBudget
				}
			}
			c.mu.Lock()
			c.counts[op]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}
