// Command devstack runs the whole gateway locally (see local/devstack) and prints what to try.
//
// With no settings it uses the Unico simulator. To point it at a real server speaking the
// Unico API (for example Unico's UAT), set UNICO_AUTH_URL, UNICO_BY_UNICO_URL (and optionally
// UNICO_AUDIENCE, UNICO_BY_CLIENT_URL, UNICO_SIGN_URL) and UNICO_CREDENTIALS_FILE, a JSON file in
// the credentials secret's format (docs/credentials.example.json).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/unico"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

// defaultLog is where the functions' JSON logs and metrics go unless -log says otherwise.
const defaultLog = ".local/devstack.log"

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	began := time.Now()
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` of the local API (port 0 picks a free one)")
	simAddr := fs.String("sim-addr", "127.0.0.1:8090", "`host:port` of the Unico simulator (port 0 picks a free one)")
	logFile := fs.String("log", defaultLog, "`file` for the functions' JSON logs and metrics (\"-\": all of them on stderr instead)")
	secretsAddr := fs.String("secrets-addr", "127.0.0.1:0", "address of the Secrets Manager endpoint")
	dynamoPort := fs.Int("dynamo-port", 0, "DynamoDB Local's port (0: a free one); it listens on every interface")
	samEnv := fs.String("sam-env", "", "write an env-vars `file` for sam local (--env-vars) pointing the functions at this stack")
	containerHost := fs.String("container-host", "host.docker.internal", "how containers reach this machine (for -sam-env)")
	sweepAfter := fs.Duration("sweep-after", 0, "first sweeper check of an open verification after its creation (default 15m; try 1m to watch the sweeper close a verification whose webhook is lost)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	logs, logPath := io.Writer(stderr), ""
	if *logFile != "-" {
		if dir := filepath.Dir(*logFile); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		f, err := os.Create(*logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logPath, _ = filepath.Abs(*logFile)
		logs = &terminal{file: f, out: stdout}
	}
	opts := devstack.Options{APIAddr: *addr, SimAddr: *simAddr, LogOutput: logs, SecretsAddr: *secretsAddr, DynamoPort: *dynamoPort,
		DemoAPIKey: "local-demo-key", OtherAPIKey: "local-other-key", WebhookPassword: "local-webhook-secret"}
	if *sweepAfter > 0 {
		opts.Customize = func(c *gateway.Config) { c.Async.SweepAfter = *sweepAfter }
		opts.Async.SweepEvery = min(*sweepAfter/2, 30*time.Second)
	}
	if getenv("UNICO_AUTH_URL") != "" {
		ext, err := external(getenv)
		if err != nil {
			return err
		}
		opts.External = ext
	}
	// Any of these signals, or the parent's death, stops everything the command started (the
	// listeners are in this process; DynamoDB Local is killed with it: dynamolocal). A second
	// signal while stopping ends the process at once.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer stop()
	watchParent(ctx, cancel, 200*time.Millisecond)
	s, err := devstack.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Stop()
	if *samEnv != "" {
		if err := writeSAMEnv(*samEnv, s, *containerHost); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sam local env vars written to %s\n", *samEnv)
	}
	printTour(stdout, s, logPath, time.Since(began), os.Getpid())
	<-ctx.Done()
	stop()
	why := "signal"
	if errors.Is(context.Cause(ctx), errParentGone) {
		why = "parent process gone"
	}
	fmt.Fprintf(stdout, "\nstopping (%s)\n", why)
	return nil
}

const usage = `devstack runs the whole gateway locally: DynamoDB Local, the Secrets Manager endpoint, the Unico
simulator (or an external Unico: UNICO_AUTH_URL, UNICO_BY_UNICO_URL, UNICO_CREDENTIALS_FILE), the
functions behind the API Gateway stand-in, the worker, sweeper, notifier and token refresher.
It prints its addresses and a tour to paste into another terminal. The functions' JSON logs and
metrics go to the -log file; the terminal shows one line per request, decision and event.
Ctrl-C, or any signal to its process, stops everything; so does the death of its parent.

Usage: bash scripts/run-local.sh [flags]   (or: go run ./local/cmd/devstack [flags])

`

func external(getenv func(string) string) (*devstack.External, error) {
	path := getenv("UNICO_CREDENTIALS_FILE")
	if path == "" {
		return nil, fmt.Errorf("UNICO_AUTH_URL is set: UNICO_CREDENTIALS_FILE must name the credentials JSON file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read UNICO_CREDENTIALS_FILE: %w", err)
	}
	var c unico.Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("UNICO_CREDENTIALS_FILE is not the credentials JSON (see docs/credentials.example.json)")
	}
	if getenv("UNICO_BY_UNICO_URL") == "" {
		return nil, fmt.Errorf("UNICO_BY_UNICO_URL is required with UNICO_AUTH_URL")
	}
	return &devstack.External{AuthURL: getenv("UNICO_AUTH_URL"), Audience: getenv("UNICO_AUDIENCE"), ByUnicoURL: getenv("UNICO_BY_UNICO_URL"),
		ByClientURL: getenv("UNICO_BY_CLIENT_URL"), SignURL: getenv("UNICO_SIGN_URL"), Credentials: c}, nil
}

// writeSAMEnv writes the `sam local --env-vars` file (devstack.Stack.SAMEnv).
func writeSAMEnv(path string, s *devstack.Stack, host string) error { return s.WriteSAMEnv(path, host) }
