// Command perf measures the local stack (see local/perf) and prints a Markdown report: the load
// and cold-start numbers in docs/performance.md come from it (scripts/perf.sh runs it with the
// benchmarks). Loopback only, bounded in count and time: each endpoint gets -concurrency clients
// for at most -requests requests or -duration, and each function -cold-runs cold starts.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/perf"
)

func main() {
	conc := flag.Int("concurrency", 8, "concurrent clients per endpoint")
	reqs := flag.Int("requests", 2000, "requests per endpoint (at most)")
	dur := flag.Duration("duration", 20*time.Second, "time per endpoint (at most)")
	cold := flag.Int("cold-runs", 5, "cold starts per function")
	flag.Parse()
	root, err := dynamolocal.FindRepoRoot()
	if err == nil {
		var rep perf.Report
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		rep, err = perf.RunSuite(ctx, perf.Options{Concurrency: *conc, Requests: *reqs, Duration: *dur, ColdRuns: *cold, RepoRoot: root, Log: os.Stderr})
		if err == nil {
			fmt.Print(rep.Markdown())
			return
		}
	}
	fmt.Fprintln(os.Stderr, "perf:", err)
	os.Exit(1)
}
