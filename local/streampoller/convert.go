package streampoller

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// toLambda converts a DynamoDB Streams record (as GetRecords returns it) into the record Lambda
// gives a function (events.DynamoDBEventRecord).
func toLambda(r stypes.Record, streamARN string) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		AWSRegion: aws.ToString(r.AwsRegion), EventID: aws.ToString(r.EventID), EventName: string(r.EventName),
		EventSource: aws.ToString(r.EventSource), EventVersion: aws.ToString(r.EventVersion), EventSourceArn: streamARN,
	}
	if out.EventSource == "" {
		out.EventSource = "aws:dynamodb"
	}
	if out.AWSRegion == "" {
		out.AWSRegion = "us-east-1"
	}
	if d := r.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), SizeBytes: aws.ToInt64(d.SizeBytes), StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: d.ApproximateCreationDateTime.Truncate(time.Second)}
		}
	}
	return out
}

func image(m map[string]stypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

func attr(v stypes.AttributeValue) events.DynamoDBAttributeValue {
	switch a := v.(type) {
	case *stypes.AttributeValueMemberS:
		return events.NewStringAttribute(a.Value)
	case *stypes.AttributeValueMemberN:
		return events.NewNumberAttribute(a.Value)
	case *stypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(a.Value)
	case *stypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(a.Value)
	case *stypes.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *stypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(a.Value)
	case *stypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(a.Value)
	case *stypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(a.Value)
	case *stypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(a.Value))
		for i, e := range a.Value {
			l[i] = attr(e)
		}
		return events.NewListAttribute(l)
	case *stypes.AttributeValueMemberM:
		return events.NewMapAttribute(image(a.Value))
	}
	return events.NewNullAttribute()
}

// Filter is a compiled Lambda event filter pattern (FilterCriteria), for the subset the
// gateway uses: nested objects, lists of exact values, {"prefix": "..."} and {"exists": bool}.
// Anything else is refused when compiling, so that a pattern the stack deploys can never be
// silently ignored here.
type Filter struct{ pattern map[string]any }

// CompileFilter parses a pattern; "" matches everything.
func CompileFilter(pattern string) (*Filter, error) {
	if strings.TrimSpace(pattern) == "" {
		return nil, nil
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(pattern), &p); err != nil {
		return nil, fmt.Errorf("streampoller: filter is not a JSON object: %w", err)
	}
	if err := checkPattern(p); err != nil {
		return nil, err
	}
	return &Filter{pattern: p}, nil
}

func checkPattern(p map[string]any) error {
	for k, v := range p {
		switch x := v.(type) {
		case map[string]any:
			if err := checkPattern(x); err != nil {
				return err
			}
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					if len(m) != 1 {
						return fmt.Errorf("streampoller: filter %q: one operator per object", k)
					}
					if _, ok := m["prefix"].(string); ok {
						continue
					}
					if _, ok := m["exists"].(bool); ok {
						continue
					}
					return fmt.Errorf("streampoller: filter %q: unsupported operator %v", k, m)
				}
			}
		default:
			return errors.New("streampoller: filter values must be objects or lists (Lambda's syntax)")
		}
	}
	return nil
}

// Match reports whether a record (as Lambda serialises it) matches.
func (f *Filter) Match(r events.DynamoDBEventRecord) bool {
	if f == nil {
		return true
	}
	raw, _ := json.Marshal(r)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return matchObject(f.pattern, m)
}

func matchObject(p map[string]any, v map[string]any) bool {
	for k, pv := range p {
		ev, present := v[k]
		switch x := pv.(type) {
		case map[string]any:
			sub, ok := ev.(map[string]any)
			if !ok || !matchObject(x, sub) {
				return false
			}
		case []any:
			if !matchList(x, ev, present) {
				return false
			}
		}
	}
	return true
}

func matchList(alts []any, v any, present bool) bool {
	for _, a := range alts {
		if m, ok := a.(map[string]any); ok {
			if pre, ok := m["prefix"].(string); ok {
				if s, ok := v.(string); ok && strings.HasPrefix(s, pre) {
					return true
				}
			}
			if ex, ok := m["exists"].(bool); ok && ex == present {
				return true
			}
			continue
		}
		if present && a == v {
			return true
		}
	}
	return false
}
