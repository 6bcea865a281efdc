package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/shared/logging"
)

// Personal content that Unico's answers carry in the package's tests and the gateway must never
// store: the seeds' and the simulator's OCR values (CPF, names, document numbers, e-mail) and the
// path of the simulator's signed document links (signed_url, fileUrls).
var neverStored = []string{"73689290074", "736.892.900-74", "Luke Skywalker", "Homer Simpson", "Daniel Coelho", "4815162342",
	"luke@unico.co", "Maria Composta", "/__sim/files/"}

// Attributes that are keyed hashes by design (hex digits that can look like a CPF by chance).
var hashAttributes = map[string]bool{"cpfHash": true, "fingerprint": true}

// Attributes that hold personal data by design until the process is redacted: a review's
// reason is an operator's free text that may name the person, and GET shows it (review.go).
// TestReviewHostedEndToEnd and the store's review test prove that redaction removes it.
var personalUntilRedacted = map[string]bool{"reviewReason": true}

// Key attributes (and the index keys that copy them).
var keyAttributes = map[string]bool{"pk": true, "sk": true, "gsi1pk": true, "gsi1sk": true, "gsi2pk": true, "gsi2sk": true, "gsi3pk": true, "gsi3sk": true}

// storeScan runs after every test of the package, on DynamoDB Local still running: it scans
// every item of every table the by-Unico, by-Client, asynchronous and budget suites wrote, for
// the values the suites planted (CPFs in any format, names, phones, e-mails, selfies, secrets),
// the content above, and anything that looks like a CPF, a phone, an e-mail or a JWT. A finding
// fails the run; so does a scan that found no process (it would prove nothing).
func storeScan(out io.Writer) int {
	if ddb == nil || suiteLogs.stacks == 0 {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := ddb.Client(ctx)
	if err != nil {
		fmt.Fprintf(out, "FAIL: store scan: %v\n", err)
		return 1
	}
	suiteLogs.mu.Lock()
	planted := append(append([]string(nil), suiteLogs.planted...), neverStored...)
	suiteLogs.mu.Unlock()
	tables, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		fmt.Fprintf(out, "FAIL: store scan: %v\n", err)
		return 1
	}
	var findings []string
	items, processes := 0, 0
	for _, table := range tables.TableNames {
		p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: &table})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				fmt.Fprintf(out, "FAIL: store scan of %s: %v\n", table, err)
				return 1
			}
			for _, item := range page.Items {
				items++
				if _, ok := item["results"]; ok {
					processes++
				}
				for _, f := range scanItem(item, planted) {
					findings = append(findings, table+": "+f)
				}
			}
		}
	}
	if processes == 0 {
		fmt.Fprintf(out, "FAIL: store scan: %d items in %d tables but no process with recorded results: the scan proves nothing\n", items, len(tables.TableNames))
		return 1
	}
	if len(findings) > 0 {
		fmt.Fprintf(out, "FAIL: store scan: personal data in DynamoDB after the suite:\n  %s\n", strings.Join(findings, "\n  "))
		return 1
	}
	fmt.Fprintf(out, "store scan: %d items (%d processes with recorded results) in %d tables, %d planted values: clean\n",
		items, processes, len(tables.TableNames), len(planted))
	return 0
}

// scanItem names the attributes of item holding personal data (never the value).
func scanItem(item map[string]types.AttributeValue, planted []string) []string {
	names := make([]string, 0, len(item))
	for k := range item {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		if hashAttributes[name] || personalUntilRedacted[name] {
			continue
		}
		var text string
		switch v := item[name].(type) {
		case *types.AttributeValueMemberS:
			text = v.Value
		case *types.AttributeValueMemberB:
			text = string(v.Value)
		case *types.AttributeValueMemberN, *types.AttributeValueMemberBOOL:
			continue
		default:
			b, _ := json.Marshal(v)
			text = string(b)
		}
		if keyAttributes[name] {
			// Keys hold the caller's Idempotency-Key and ids and timestamps (digit runs by
			// design): only the planted values are looked for there.
			for i, p := range planted {
				if p != "" && strings.Contains(text, p) {
					out = append(out, fmt.Sprintf("item %s attribute %s: planted[%d]", keyOf(item), name, i))
				}
			}
			continue
		}
		if f := logging.FindPII(text, planted...); len(f) > 0 {
			out = append(out, fmt.Sprintf("item %s attribute %s: %v", keyOf(item), name, f))
		}
	}
	return out
}

func keyOf(item map[string]types.AttributeValue) string {
	if v, ok := item["pk"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return "?"
}

// TestStoreScanFindsLeaks proves the suite's store scan is not vacuous: OCR content in the
// recorded results, a planted CPF in a key, a signed link and a CPF-like number are found; a
// keyed hash and the ids of a clean item are not.
func TestStoreScanFindsLeaks(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	clean := map[string]types.AttributeValue{"pk": s("P#3a7eee45-80aa-429c-a571-a482632d6445"), "sk": s("P"),
		"cpfHash": s("12345678901234567890abcdef"), "results": s(`{"hosted":{"riskScore":50}}`)}
	if f := scanItem(clean, []string{"52998224725"}); len(f) != 0 {
		t.Fatalf("clean item: %v", f)
	}
	for name, item := range map[string]map[string]types.AttributeValue{
		"OCR name in results":  {"pk": s("P#1"), "results": s(`{"documents":[{"ocr":{"nome":"Luke Skywalker"}}]}`)},
		"planted CPF in a key": {"pk": s("I#demo#order-52998224725"), "sk": s("I")},
		"signed link":          {"pk": s("P#2"), "results": s(`{"client":{"document":{"fileUrls":["http://127.0.0.1:1/__sim/files/x/front.jpg"]}}}`)},
		"CPF-like number":      {"pk": s("P#3"), "clientReference": s("cliente 529.982.247-25")},
	} {
		if f := scanItem(item, append([]string{"52998224725"}, neverStored...)); len(f) == 0 {
			t.Errorf("%s: not found", name)
		}
	}
}
