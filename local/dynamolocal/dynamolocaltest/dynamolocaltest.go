// Package dynamolocaltest holds test helpers around dynamolocal: one server
// per test (Start) or one shared server per package (Main from TestMain).
//
// A server that cannot start is a test failure, never a skip: install Java
// and run `npm ci` instead (see dynamolocal.Start for the messages).
package dynamolocaltest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/unicogw/gateway/local/dynamolocal"
)

// startBudget bounds a start including a slow JVM on a busy 2-core machine.
const startBudget = 60 * time.Second

// Start starts a dedicated DynamoDB Local for tb, fails tb if it cannot, and
// registers Stop with tb.Cleanup.
func Start(tb testing.TB) *dynamolocal.Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startBudget)
	defer cancel()
	srv, err := dynamolocal.Start(ctx, dynamolocal.Options{StartTimeout: startBudget})
	if err != nil {
		tb.Fatalf("start DynamoDB Local: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			tb.Errorf("stop DynamoDB Local: %v", err)
		}
	})
	return srv
}

// Main starts one DynamoDB Local, stores it in *srv, runs the package's tests
// and stops the server. It returns the exit code for os.Exit; if the server
// cannot start it prints why and returns 1 without running the tests.
//
//	var srv *dynamolocal.Server
//	func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &srv)) }
func Main(m *testing.M, srv **dynamolocal.Server) int { return MainThen(m, srv, nil) }

// MainThen is Main with a check that runs after the tests, while the server still runs (e.g. a
// scan of everything the package's tests stored); its code fails the run when not 0.
func MainThen(m *testing.M, srv **dynamolocal.Server, after func() int) int {
	ctx, cancel := context.WithTimeout(context.Background(), startBudget)
	s, err := dynamolocal.Start(ctx, dynamolocal.Options{StartTimeout: startBudget})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: start DynamoDB Local: %v\n", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if after != nil {
		if c := after(); c != 0 && code == 0 {
			code = c
		}
	}
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: stop DynamoDB Local: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Client returns a DynamoDB client for srv, failing tb on error.
func Client(tb testing.TB, srv *dynamolocal.Server) *dynamodb.Client {
	tb.Helper()
	c, err := srv.Client(context.Background())
	if err != nil {
		tb.Fatalf("DynamoDB Local client: %v", err)
	}
	return c
}

var (
	tableSeq    atomic.Int64
	invalidName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)
)

// TableName returns a table name unique within this test process, derived
// from tb.Name(), so tests sharing one server do not collide.
func TableName(tb testing.TB) string {
	name := invalidName.ReplaceAllString(tb.Name(), "_")
	name = strings.Trim(name, "_")
	if len(name) > 200 {
		name = name[:200]
	}
	return fmt.Sprintf("%s_%d", name, tableSeq.Add(1))
}
