package devstack_test

import (
	"context"
	"crypto/rand"
	"math/big"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
)

// newCPF returns a random valid CPF (11 digits): a value the simulator treats as "approved" and
// that no other test sends, so a log scan that finds it knows which request leaked it.
func newCPF(t *testing.T) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(899_999_999))
	if err != nil {
		t.Fatal(err)
	}
	base := []byte(big.NewInt(0).Add(n, big.NewInt(100_000_000)).String())
	d := make([]int, 0, 11)
	for _, c := range base {
		d = append(d, int(c-'0'))
	}
	for _, k := range []int{9, 10} {
		sum := 0
		for i := 0; i < k; i++ {
			sum += d[i] * (k + 1 - i)
		}
		r := sum * 10 % 11
		if r == 10 {
			r = 0
		}
		d = append(d, r)
	}
	out := make([]byte, 11)
	for i, v := range d {
		out[i] = byte('0' + v)
	}
	return string(out)
}

// createFor creates a hosted verification for the tenant with apiKey and returns its id; the
// CPF and name are planted in the suite's log scan.
func createFor(t *testing.T, api client, apiKey, idemKey, cpf, name, clientRef string) string {
	t.Helper()
	suiteLogs.Plant(cpf, name)
	body := createBody(cpf)
	body["clientReference"] = clientRef
	body["person"].(map[string]any)["name"] = name
	// The table is shared by every test (and -count runs): the key is made unique.
	status, _, res := api.do("POST", "/v1/processes", apiKey, map[string]string{"Idempotency-Key": idemKey + "-" + newCPF(t)}, body)
	id, _ := get(res, "process", "id").(string)
	if status != http.StatusCreated || id == "" {
		t.Fatalf("create: %d %v", status, res)
	}
	return id
}

// unicoCalls is the number of calls the simulator has served so far (every endpoint).
func unicoCalls(s *devstack.Stack) int {
	n := 0
	for _, c := range s.Sim.Stats().Calls {
		n += c
	}
	return n
}

// rawItem reads a process's item as DynamoDB holds it (nil when there is none).
func rawItem(t *testing.T, s *devstack.Stack, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := dynamolocaltest.Client(t, ddb).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(s.TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "P#" + id}, "sk": &types.AttributeValueMemberS{Value: "P"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// listIDs lists a tenant's processes (one page of up to 100) and returns their ids.
func listIDs(t *testing.T, api client, apiKey, query string) map[string]map[string]any {
	t.Helper()
	status, _, res := api.do("GET", "/v1/processes?limit=100"+query, apiKey, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("list %s: %d %v", query, status, res)
	}
	out := map[string]map[string]any{}
	items, _ := res["processes"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		id, _ := m["id"].(string)
		out[id] = m
	}
	return out
}
