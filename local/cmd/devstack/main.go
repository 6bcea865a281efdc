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
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/unico"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address of the local API")
	simAddr := fs.String("sim-addr", "127.0.0.1:8090", "address of the Unico simulator")
	logFile := fs.String("log", "", "write the functions' JSON logs to this file instead of stderr")
	secretsAddr := fs.String("secrets-addr", "127.0.0.1:0", "address of the Secrets Manager endpoint")
	dynamoPort := fs.Int("dynamo-port", 0, "DynamoDB Local's port (0: a free one); it listens on every interface")
	samEnv := fs.String("sam-env", "", "write an env-vars file for `sam local` (--env-vars) pointing the functions at this stack")
	containerHost := fs.String("container-host", "host.docker.internal", "how containers reach this machine (for -sam-env)")
	sweepAfter := fs.Duration("sweep-after", 0, "first sweeper check of an open verification after its creation (default 15m; try 1m to watch the sweeper close a verification whose webhook is lost)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logs := stderr
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logs = f
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
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	printTour(stdout, s)
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nstopping")
	return nil
}

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

func printTour(w io.Writer, s *devstack.Stack) {
	demo := s.Tenants[0]
	fmt.Fprintf(w, "Unico gateway running locally\n  API          %s   (tenant %q: x-api-key %s; tenant %q: %s)\n",
		s.APIURL, demo.Name, demo.APIKey, s.Tenants[1].Name, s.Tenants[1].APIKey)
	fmt.Fprintf(w, "  DynamoDB     %s   (table %s)\n  Secrets      %s   (secret %s)\n", s.DynamoEndpoint, s.TableName, s.SecretsURL, s.SecretID)
	if s.Sim == nil {
		fmt.Fprintf(w, "  Unico        %s (external)\n\nCreate a process:\n", s.Config.UnicoByUnicoURL)
	} else {
		fmt.Fprintf(w, "  Unico sim    %s   (webhooks to %s/webhooks/unico, Basic %s:%s)\n", s.SimURL, s.APIURL, s.WebhookUser, s.WebhookPass)
		if r := s.Async.Receiver; r != nil {
			fmt.Fprintf(w, "  Demo backend %s   (tenant %q's callback URL: verifies each signed event; GET lists them)\n", r.URL, demo.Name)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Try it (the CPF chooses the simulated outcome; see local/unicosim/scenarios.go):")
	}
	cpf := "73689290074"
	if s.Sim != nil {
		cpf = unicosim.ScenarioCPF("approved")
	}
	fmt.Fprintf(w, `
  # 1. create a hosted (by Unico) verification
  curl -s -X POST %[1]s/v1/processes -H 'x-api-key: %[2]s' -H 'Idempotency-Key: demo-1' \
    -H 'Content-Type: application/json' \
    -d '{"integration":"by_unico","flow":"idlive","purpose":"biometryonboarding","person":{"cpf":"%[3]s","name":"Maria Silva"}}'
  ID=<process.id from the answer>

  # 2. read it: state "created", decision "pending"
  curl -s %[1]s/v1/processes/$ID -H 'x-api-key: %[2]s'
`, s.APIURL, demo.APIKey, cpf)
	if s.Sim != nil {
		fmt.Fprintf(w, `
  # 3. finish the journey as the person would; the simulator then calls the gateway's webhook
  curl -s -X POST %[1]s/__sim/processes/$ID/finish

  # 4. read it again: state "finished", decision "approved"
  curl -s %[2]s/v1/processes/$ID -H 'x-api-key: %[3]s'

  # another tenant cannot see it (404)
  curl -s %[2]s/v1/processes/$ID -H 'x-api-key: %[4]s'

  # list the tenant's processes
  curl -s '%[2]s/v1/processes?limit=10' -H 'x-api-key: %[3]s'

  # by Client: mint an SDK-like selfie (10 minutes, single use) and submit it: synchronous verdict
  SELFIE=$(curl -s -X POST %[1]s/__sim/selfies | sed 's/.*"selfie":"\([^"]*\)".*/\1/')
  curl -s -X POST %[2]s/v1/processes -H 'x-api-key: %[3]s' -H 'Idempotency-Key: demo-bc-1' \
    -H 'Content-Type: application/json' \
    -d '{"integration":"by_client","capability":"identity","selfie":"'$SELFIE'","person":{"cpf":"%[5]s","name":"Maria Silva"}}'
`, s.SimURL, s.APIURL, demo.APIKey, s.Tenants[1].APIKey, unicosim.ScenarioCPF("yes"))
	}
	if r := s.Async.Receiver; r != nil {
		fmt.Fprintf(w, `
  # the webhook was recorded and acknowledged; the worker (on the table's stream) read the
  # process from Unico, and the notifier POSTed a signed event (Standard Webhooks) to the demo
  # tenant's backend, which verified it (see the logs) and lists what it received:
  curl -s %[1]s

  # ask for the event again (same webhook-id, a fresh series of attempts)
  curl -s -X POST %[2]s/v1/processes/$ID/notifications -H 'x-api-key: %[3]s'
`, r.URL, s.APIURL, demo.APIKey)
	}
	if s.Sim != nil {
		after := s.Config.Async.SweepAfter
		if after <= 0 {
			after = domain.DefaultSweepAfter
		}
		fmt.Fprintf(w, `
  # lose a webhook: create another verification as in step 1 (another Idempotency-Key), call its
  # id ID2, and finish it while Unico's webhook is lost; the sweeper closes it about %[1]s
  # after its creation (start with -sweep-after 1m to watch it) and the demo backend gets its event
  curl -s -X POST %[2]s/__sim/processes/$ID2/finish -d '{"loseWebhook":true}'
`, after, s.SimURL)
	}
	fmt.Fprintln(w, "\nCtrl-C stops everything.")
}

// writeSAMEnv writes the `sam local --env-vars` file (devstack.Stack.SAMEnv).
func writeSAMEnv(path string, s *devstack.Stack, host string) error { return s.WriteSAMEnv(path, host) }
