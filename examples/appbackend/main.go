// Command appbackend is a minimal app backend using the gateway through the Go client
// (github.com/unicogw/gateway/client): it creates a verification, receives the gateway's signed
// event on its own HTTP endpoint (checked with client.VerifyWebhook and the tenant's signing
// secret), and reads the decision.
//
// One command runs it against a local stack it starts itself (DynamoDB Local, the Unico
// simulator, the gateway's functions; what scripts/setup.sh installs is needed, and
// scripts/run-local.sh runs that), with the simulator playing the person:
//
//	go run ./examples/appbackend
//	go run ./examples/appbackend -scenario rejected_identity
//
// Against a deployment, give the stage URL, the tenant's API key and signing secret, and an
// address for the endpoint the tenant's callbackUrl (cdk.json) reaches; the person then
// follows the printed link:
//
//	GATEWAY_URL=https://abc.execute-api.sa-east-1.amazonaws.com/api GATEWAY_API_KEY=... \
//	GATEWAY_SIGNING_SECRET=whsec_... go run ./examples/appbackend -listen :8081 -cpf 73689290074 -name 'Maria Silva'
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/unicogw/gateway/client"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "appbackend:", err)
		os.Exit(1)
	}
}

// event is what the backend needs from the gateway's event (api/openapi.json, OutboundEvent).
type event struct {
	Type string `json:"type"`
	Data struct {
		ID              string          `json:"id"`
		State           string          `json:"state"`
		Decision        client.Decision `json:"decision"`
		ClientReference string          `json:"clientReference"`
	} `json:"data"`
}

// backend receives the gateway's events at POST /gateway-events.
type backend struct {
	secret string // the tenant's signing secret, whsec_...
	now    func() time.Time

	mu     sync.Mutex
	seen   map[string]bool       // webhook-ids already handled (keep them in your database)
	events map[string]chan event // process id → who waits for its event
}

func newBackend(secret string) *backend {
	return &backend{secret: secret, now: time.Now, seen: map[string]bool{}, events: map[string]chan event{}}
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/gateway-events" {
		http.NotFound(w, r)
		return
	}
	// Verify the raw bytes, before any decoding.
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := client.VerifyWebhook(b.secret, r.Header, body, b.now()); err != nil {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Data.ID == "" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	id := r.Header.Get("webhook-id") // the same on every retry and replay of one event
	dup := b.seen[id]
	b.seen[id] = true
	ch := b.waiter(ev.Data.ID)
	b.mu.Unlock()
	if !dup {
		select {
		case ch <- ev:
		default: // nobody waits for a second copy
		}
	}
	// Answer within 15 seconds; slow work belongs after the answer (a queue, a goroutine).
	w.WriteHeader(http.StatusNoContent)
}

// waiter returns the channel the event of process id arrives on (b.mu held).
func (b *backend) waiter(id string) chan event {
	ch, ok := b.events[id]
	if !ok {
		ch = make(chan event, 1)
		b.events[id] = ch
	}
	return ch
}

// wait returns the event of process id.
func (b *backend) wait(ctx context.Context, id string) (event, error) {
	b.mu.Lock()
	ch := b.waiter(id)
	b.mu.Unlock()
	select {
	case ev := <-ch:
		return ev, nil
	case <-ctx.Done():
		return event{}, fmt.Errorf("no event for process %s: %w", id, ctx.Err())
	}
}

// gateway is where the backend talks to; person finishes the journey when the stack is local.
type gateway struct {
	url, apiKey, signingSecret string
	person                     func(ctx context.Context, processID string) error
	stop                       func()
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("appbackend", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address of this backend's HTTP endpoint (POST /gateway-events)")
	flow := fs.String("flow", "id", "Unico flow of the verification (id: liveness and the face against the CPF holder)")
	cpf := fs.String("cpf", "", "the person's CPF (default: the simulator's CPF for -scenario)")
	name := fs.String("name", "Maria Silva", "the person's name")
	scenario := fs.String("scenario", "approved", "local stack only: the simulated outcome (docs/simulator.md)")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the gateway's event (a person needs minutes)")
	gatewayLog := fs.String("gateway-log", "", "local stack only: write the gateway's JSON logs to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// This backend's endpoint first: the gateway needs its address.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	callback := "http://" + ln.Addr().String() + "/gateway-events"
	var gw gateway
	if url := getenv("GATEWAY_URL"); url != "" {
		gw = gateway{url: url, apiKey: getenv("GATEWAY_API_KEY"), signingSecret: getenv("GATEWAY_SIGNING_SECRET"), stop: func() {}}
		if gw.apiKey == "" || gw.signingSecret == "" {
			ln.Close()
			return errors.New("GATEWAY_URL needs GATEWAY_API_KEY and GATEWAY_SIGNING_SECRET")
		}
		if *cpf == "" {
			ln.Close()
			return errors.New("-cpf is required against a deployment")
		}
		fmt.Fprintf(out, "gateway  %s\nendpoint %s (the tenant's callbackUrl must reach it)\n", gw.url, callback)
	} else {
		if *cpf == "" {
			if *cpf = scenarioCPF(*scenario); *cpf == "" {
				ln.Close()
				return fmt.Errorf("unknown -scenario %q (see docs/simulator.md)", *scenario)
			}
		}
		fmt.Fprintln(out, "starting a local stack (DynamoDB Local, the Unico simulator, the gateway's functions)...")
		gw, err = startLocal(ctx, callback, *gatewayLog)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(out, "gateway  %s (tenant demo)\nendpoint %s (the demo tenant's callback URL)\n", gw.url, callback)
	}
	defer gw.stop()

	b := newBackend(gw.signingSecret)
	srv := &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	// 1. Create the verification. The client generates the Idempotency-Key and reuses it if it
	// has to retry, so a retry never creates (and pays for) a second process at Unico.
	c := client.New(gw.url, gw.apiKey)
	reference := fmt.Sprintf("order-%d", time.Now().UnixNano())
	res, err := c.CreateProcess(ctx, client.CreateRequest{Integration: client.ByUnico, Flow: *flow, Purpose: "biometryonboarding",
		ClientReference: reference, Person: &client.Person{CPF: *cpf, Name: *name}})
	if err != nil {
		var ge *client.Error
		if errors.As(err, &ge) {
			return fmt.Errorf("create: %d %s: %s (request %s; see docs/errors.md)", ge.Status, ge.Code, ge.Message, ge.RequestID)
		}
		return fmt.Errorf("create: %w", err)
	}
	id := res.Process.ID
	fmt.Fprintf(out, "1. created verification %s (%s), decision %s\n   send the person to %s\n", id, reference, res.Process.Decision.Outcome, res.RedirectURL)

	// 2. The person goes through Unico's journey; Unico tells the gateway, which reads the result
	// and POSTs a signed event to this backend.
	if gw.person != nil {
		if err := gw.person(ctx, id); err != nil {
			return fmt.Errorf("simulated person: %w", err)
		}
		fmt.Fprintf(out, "2. the person finished the journey (simulated: %s)\n", *scenario)
	} else {
		fmt.Fprintf(out, "2. waiting up to %s for the person to finish...\n", *wait)
	}
	wctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	ev, err := b.wait(wctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "3. event %s received, signature verified: %s, decision %s\n", ev.Type, ev.Data.State, ev.Data.Decision.Outcome)

	// 3. Read the decision (and Unico's results, read live) from the gateway.
	p, err := c.GetProcess(ctx, id)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	fmt.Fprintf(out, "4. read the process: state %s, decision %s\n", p.State, p.Decision.Outcome)
	for _, r := range p.Decision.Reasons {
		fmt.Fprintf(out, "   reason %s: %s\n", r.Code, r.Message)
	}
	switch p.Decision.Outcome {
	case client.Approved:
		fmt.Fprintln(out, "   → let the person in")
	case client.Rejected:
		fmt.Fprintln(out, "   → refuse")
	case client.Retry:
		fmt.Fprintln(out, "   → ask the person to try again (a new verification)")
	case client.Review:
		fmt.Fprintln(out, "   → a person on your side decides")
	default:
		fmt.Fprintln(out, "   → not final yet: read it again later")
	}
	if p.Decision.Outcome != ev.Data.Decision.Outcome {
		return fmt.Errorf("the event says %s, the read says %s", ev.Data.Decision.Outcome, p.Decision.Outcome)
	}
	return nil
}
