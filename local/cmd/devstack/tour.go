package main

import (
	"fmt"
	"io"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
	"github.com/unicogw/gateway/shared/domain"
)

// tourStart and tourEnd delimit the commands of the printed tour: every line between them that
// is indented by two spaces runs as it is in bash (process_test.go runs them).
const (
	tourStart = "Try it in another terminal"
	tourEnd   = "Ctrl-C"
)

// printTour prints the stack's addresses and a tour to paste into another terminal: every
// address and key it needs is set in variables first, and each step's id is captured, so it
// runs line by line (or all at once) without editing.
func printTour(w io.Writer, s *devstack.Stack, logPath string, ready time.Duration, pid int) {
	demo := s.Tenants[0]
	fmt.Fprintf(w, "Unico gateway running locally (ready in %.1f s)\n  API          %s   (tenant %q: x-api-key %s; tenant %q: %s)\n",
		ready.Seconds(), s.APIURL, demo.Name, demo.APIKey, s.Tenants[1].Name, s.Tenants[1].APIKey)
	fmt.Fprintf(w, "  DynamoDB     %s   (table %s)\n  Secrets      %s   (secrets %s, %s)\n", s.DynamoEndpoint, s.TableName, s.SecretsURL,
		s.SecretID, s.Config.TokenSecretID)
	if s.Sim == nil {
		fmt.Fprintf(w, "  Unico        %s (external)\n", s.Config.UnicoByUnicoURL)
	} else {
		fmt.Fprintf(w, "  Unico sim    %s   (webhooks to %s/webhooks/unico, Basic %s:%s)\n", s.SimURL, s.APIURL, s.WebhookUser, s.WebhookPass)
	}
	r := s.Async.Receiver
	if r != nil {
		fmt.Fprintf(w, "  Demo backend %s   (tenant %q's callback URL: verifies each signed event; GET lists them)\n", r.URL, demo.Name)
	}
	if logPath != "" {
		fmt.Fprintf(w, "  Logs         %s   (the functions' JSON logs and metrics; here: requests, decisions, events)\n", logPath)
	}
	fmt.Fprintln(w)
	if s.Sim != nil {
		fmt.Fprintln(w, tourStart+", line by line or all at once. The CPF chooses the simulated outcome:")
		fmt.Fprintln(w, "the scenario CPFs, by Unico and by Client, are in docs/simulator.md.")
	} else {
		fmt.Fprintln(w, tourStart+", line by line or all at once (Unico is external: its webhooks need a")
		fmt.Fprintln(w, "public URL for this API, and the CPF is a real person's).")
	}
	fmt.Fprintf(w, "\n  API=%s KEY=%s OTHER=%s\n", s.APIURL, demo.APIKey, s.Tenants[1].APIKey)
	if s.Sim != nil {
		fmt.Fprintf(w, "  SIM=%s", s.SimURL)
		if r != nil {
			fmt.Fprintf(w, " RECEIVER=%s", r.URL)
		}
		fmt.Fprintln(w)
	} else if r != nil {
		fmt.Fprintf(w, "  RECEIVER=%s\n", r.URL)
	}
	fmt.Fprintln(w, `  field() { grep -o "\"$1\":\"[^\"]*\"" | sed -n '1s/.*:"\(.*\)"/\1/p'; }   # picks a string field (jq -r does too)`)

	cpf := "73689290074"
	if s.Sim != nil {
		cpf = unicosim.ScenarioCPF("approved")
	}
	fmt.Fprintf(w, `
  # 1. create a hosted (by Unico) verification; ID is its process id
  ID=$(curl -s -X POST "$API/v1/processes" -H "x-api-key: $KEY" -H 'Idempotency-Key: demo-1' \
    -H 'Content-Type: application/json' \
    -d '{"integration":"by_unico","flow":"idlive","purpose":"biometryonboarding","person":{"cpf":"%[1]s","name":"Maria Silva"}}' \
    | field id); echo "ID=$ID"

  # 2. read it: state "created", decision "pending"
  curl -s "$API/v1/processes/$ID" -H "x-api-key: $KEY"; echo
`, cpf)
	if s.Sim != nil {
		fmt.Fprint(w, `
  # 3. finish the journey as the person would; the simulator then calls the gateway's webhook
  curl -s -X POST "$SIM/__sim/processes/$ID/finish"; echo

  # 4. read it again once the worker has recorded Unico's answer (it reads Unico after the
  #    webhook, within a second): state "finished", decision "approved"
  for i in $(seq 50); do curl -s "$API/v1/processes/$ID" -H "x-api-key: $KEY" | grep -q '"state":"finished"' && break; sleep 0.1; done
  curl -s "$API/v1/processes/$ID" -H "x-api-key: $KEY"; echo
`)
		if r != nil {
			fmt.Fprint(w, `
  # the webhook was recorded and acknowledged; the worker (on the table's stream) read the
  # process from Unico, and the notifier POSTed a signed event (Standard Webhooks) to the demo
  # tenant's backend, which verified it (see the terminal) and lists what it received:
  curl -s "$RECEIVER"; echo

  # ask for the event again (same webhook-id, a fresh series of attempts)
  curl -s -X POST "$API/v1/processes/$ID/notifications" -H "x-api-key: $KEY"; echo
`)
		}
		fmt.Fprintf(w, `
  # another tenant cannot see it (404)
  curl -s "$API/v1/processes/$ID" -H "x-api-key: $OTHER"; echo

  # list the tenant's processes
  curl -s "$API/v1/processes?limit=10" -H "x-api-key: $KEY"; echo

  # by Client: mint an SDK-like selfie (10 minutes, single use) and submit it: synchronous verdict
  SELFIE=$(curl -s -X POST "$SIM/__sim/selfies" | field selfie)
  curl -s -X POST "$API/v1/processes" -H "x-api-key: $KEY" -H 'Idempotency-Key: demo-bc-1' \
    -H 'Content-Type: application/json' \
    -d '{"integration":"by_client","capability":"identity","selfie":"'"$SELFIE"'","person":{"cpf":"%[1]s","name":"Maria Silva"}}'; echo
`, unicosim.ScenarioCPF("yes"))
		after := s.Config.Async.SweepAfter
		if after <= 0 {
			after = domain.DefaultSweepAfter
		}
		fmt.Fprintf(w, `
  # lose a webhook: another verification, finished while Unico's webhook is lost; the sweeper
  # closes it about %[1]s after its creation (start with -sweep-after 1m to watch it) and the
  # demo backend gets its event
  ID2=$(curl -s -X POST "$API/v1/processes" -H "x-api-key: $KEY" -H 'Idempotency-Key: demo-2' \
    -H 'Content-Type: application/json' \
    -d '{"integration":"by_unico","flow":"idlive","purpose":"biometryonboarding","person":{"cpf":"%[2]s","name":"Maria Silva"}}' \
    | field id); echo "ID2=$ID2"
  curl -s -X POST "$SIM/__sim/processes/$ID2/finish" -d '{"loseWebhook":true}'; echo
`, after, cpf)
	}
	fmt.Fprintf(w, "\n%s (or any signal to this process, pid %d) stops everything.\n", tourEnd, pid)
}
