package devstack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicogw/gateway/local/streampoller"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/logging"
	"github.com/unicogw/gateway/shared/outbound"
	"github.com/unicogw/gateway/shared/workers"
)

// Function names of the asynchronous side (functions/<name>), as in the stack.
const (
	FunctionWorker   = "worker"
	FunctionSweeper  = "sweeper"
	FunctionNotifier = "notifier"
)

// AsyncOptions configure the asynchronous side of the local stack: what Lambda's event source
// mappings and EventBridge schedules do in AWS.
type AsyncOptions struct {
	// Callbacks maps tenants to their callback URLs. nil gives the "demo" tenant the stack's
	// demo receiver (which verifies each event's signature and lists what it got); an empty
	// map configures none.
	Callbacks map[string]string
	// SweepEvery and DispatchEvery are the schedules of the sweeper and of the notifier's
	// retries (defaults 30 s and 1 s); a negative value runs no schedule (tests then call
	// Async.Sweep and Async.Dispatch).
	SweepEvery, DispatchEvery time.Duration
	// TokenRefreshEvery is the token refresher's schedule (default tokenshare.DefaultSchedule,
	// the stack's 5 minutes; negative: none). It also runs once when the stack starts.
	TokenRefreshEvery time.Duration
	// StreamRetries and StreamBackoff are the event source mappings' retries of a failing
	// batch before it goes to the dead-letter sink (defaults 5 and 100 ms, doubling).
	StreamRetries int
	StreamBackoff time.Duration
	// NoPollers leaves the stream unread (a test starts the pollers itself).
	NoPollers bool
}

// Async is the running asynchronous side.
type Async struct {
	Worker      *streampoller.Poller // the worker's event source mapping
	Notifier    *streampoller.Poller // the notifier's event source mapping
	DeadLetters *streampoller.DeadLetters
	// SigningSecrets are the tenants' "whsec_" secrets, as a tenant would configure its receiver.
	SigningSecrets map[string]string
	Receiver       *DemoReceiver // nil when Callbacks were given

	sweep    func(context.Context, events.EventBridgeEvent) (domain.SweepReport, error)
	dispatch func(context.Context, json.RawMessage) (any, error)
}

// configureAsync gives each tenant with a callback its signing secret in the local Secrets
// Manager and puts the callbacks into the configuration (before Customize sees it).
func (s *Stack) configureAsync(cfg *gateway.Config, o Options) error {
	a := &Async{SigningSecrets: map[string]string{}, DeadLetters: &streampoller.DeadLetters{}}
	s.Async = a
	callbacks := o.Async.Callbacks
	if callbacks == nil {
		// On the API's interface, so that functions in containers (sam local) reach it too.
		host := "127.0.0.1"
		if h, _, err := net.SplitHostPort(o.APIAddr); err == nil && h != "" && h != "localhost" {
			host = h
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return err
		}
		a.Receiver = &DemoReceiver{log: logging.New(orWriter(o.LogOutput), slog.LevelInfo)}
		urlHost := host
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			urlHost = "127.0.0.1" // every interface: reachable on loopback
		}
		url := "http://" + net.JoinHostPort(urlHost, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)) + "/events"
		s.closers = append(s.closers, serve(ln, a.Receiver))
		callbacks = map[string]string{"demo": url}
		a.Receiver.URL = url
	}
	for tenant, url := range callbacks {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		secret := outbound.SecretPrefix + base64.StdEncoding.EncodeToString(key)
		doc, _ := json.Marshal(outbound.SecretDocument{SigningSecret: secret})
		id := "unico-gateway/outbound/" + tenant
		s.Secrets.Put(id, string(doc))
		a.SigningSecrets[tenant] = secret
		cfg.Async.Callbacks = append(cfg.Async.Callbacks, gateway.TenantCallback{Tenant: tenant, URL: url, SecretID: id})
	}
	if a.Receiver != nil {
		sec, _ := outbound.ParseSecret(a.SigningSecrets["demo"])
		a.Receiver.secret = sec
	}
	return nil
}

// startAsync builds the worker, sweeper and notifier functions (a gateway each, like Lambda
// containers), the two event source mappings on the table's stream and the two schedules.
func (s *Stack) startAsync(ctx context.Context, o Options, awsCfg aws.Config, db *dynamodb.Client) error {
	a := s.Async
	for _, fn := range []string{FunctionWorker, FunctionSweeper, FunctionNotifier} {
		gw, err := gateway.New(s.Config, gateway.Options{AWS: awsCfg, LogOutput: o.LogOutput,
			Secrets:  secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(s.SecretsURL) }),
			DynamoDB: db})
		if err != nil {
			return err
		}
		s.Functions[fn] = gw
	}
	a.sweep = s.Functions[FunctionSweeper].SweeperHandler()
	a.dispatch = s.Functions[FunctionNotifier].NotifierHandler()

	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.TableName)})
	if err != nil {
		return fmt.Errorf("describe table: %w", err)
	}
	arn := aws.ToString(desc.Table.LatestStreamArn)
	streams := dynamodbstreams.NewFromConfig(awsCfg, func(so *dynamodbstreams.Options) { so.BaseEndpoint = aws.String(s.DynamoEndpoint) })
	log := logging.New(orWriter(o.LogOutput), slog.LevelInfo)
	notifier := s.Functions[FunctionNotifier].NotifierHandler()
	mappings := []struct {
		into    **streampoller.Poller
		name    string
		filter  string
		handler streampoller.Handler
	}{
		{&a.Worker, FunctionWorker, workers.WorkerFilter, streampoller.Handler(s.Functions[FunctionWorker].WorkerHandler())},
		{&a.Notifier, FunctionNotifier, workers.NotifierFilter, func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			raw, _ := json.Marshal(ev) // the notifier takes raw events (stream or schedule)
			out, err := notifier(ctx, raw)
			resp, _ := out.(events.DynamoDBEventResponse)
			return resp, err
		}},
	}
	for _, m := range mappings {
		// As the stack's mappings: bisect on error, retries, then the dead-letter sink.
		p, err := streampoller.New(streampoller.Options{Name: m.name, Streams: streams, StreamARN: arn, Handler: m.handler,
			Filter: m.filter, BatchSize: 10, Retries: o.Async.StreamRetries, Backoff: orDuration(o.Async.StreamBackoff, 100*time.Millisecond),
			Bisect: true, PollInterval: 100 * time.Millisecond, DeadLetters: a.DeadLetters, Log: log})
		if err != nil {
			return err
		}
		*m.into = p
		if !o.Async.NoPollers {
			p.Start()
		}
		s.closers = append(s.closers, p.Stop)
	}
	s.every(o.Async.SweepEvery, 30*time.Second, func(ctx context.Context) { _, _ = a.Sweep(ctx) })
	s.every(o.Async.DispatchEvery, time.Second, func(ctx context.Context) { _, _ = a.Dispatch(ctx) })
	return nil
}

// every runs run on a schedule (every, or def when every is 0; none when negative), as an
// EventBridge rule runs a function, until the stack stops.
func (s *Stack) every(every, def time.Duration, run func(context.Context)) {
	if every < 0 {
		return
	}
	if every == 0 {
		every = def
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				run(ctx)
				cancel()
			}
		}
	}()
	s.closers = append(s.closers, func() { close(stop); wg.Wait() })
}

// Sweep runs the sweeper function once, as its schedule does.
func (a *Async) Sweep(ctx context.Context) (domain.SweepReport, error) {
	return a.sweep(ctx, scheduledEvent())
}

// Dispatch runs the notifier's scheduled retry pass once.
func (a *Async) Dispatch(ctx context.Context) (domain.DispatchReport, error) {
	raw, _ := json.Marshal(scheduledEvent())
	out, err := a.dispatch(ctx, raw)
	rep, _ := out.(domain.DispatchReport)
	return rep, err
}

// Drain waits until both mappings have handled every record written before the call.
func (a *Async) Drain(ctx context.Context) error {
	for _, p := range []*streampoller.Poller{a.Worker, a.Notifier} {
		if err := p.Drain(ctx); err != nil {
			return err
		}
	}
	return nil
}

func scheduledEvent() events.EventBridgeEvent {
	return events.EventBridgeEvent{Version: "0", DetailType: "Scheduled Event", Source: "aws.events", Time: time.Now().UTC(),
		Detail: json.RawMessage(`{}`)}
}

// DemoReceiver is a tenant's backend for the local stack: it verifies each event's Standard
// Webhooks signature (shared/outbound.Verify, as the README's receiver does), answers 204 and
// lists what it received at GET /events.
type DemoReceiver struct {
	URL    string
	secret outbound.Secret
	log    *slog.Logger

	mu       sync.Mutex
	received []ReceivedEvent
}

// ReceivedEvent is one delivery the demo receiver accepted.
type ReceivedEvent struct {
	ID      string          `json:"webhookId"`
	Payload json.RawMessage `json:"payload"`
}

func (d *DemoReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		d.mu.Lock()
		defer d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"events": append([]ReceivedEvent{}, d.received...)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := outbound.Verify(d.secret, r.Header, body, time.Now(), outbound.DefaultTolerance); err != nil {
		d.log.Warn("demo receiver: event refused", slog.String("reason", err.Error()))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var p struct {
		Type string `json:"type"`
		Data struct {
			ID       string `json:"id"`
			Decision struct {
				Outcome string `json:"outcome"`
			} `json:"decision"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &p)
	d.mu.Lock()
	d.received = append(d.received, ReceivedEvent{ID: r.Header.Get(outbound.HeaderID), Payload: body})
	d.mu.Unlock()
	d.log.Info("demo receiver: event received, signature valid", slog.String("type", p.Type),
		slog.String("processId", p.Data.ID), slog.String("outcome", p.Data.Decision.Outcome))
	w.WriteHeader(http.StatusNoContent)
}

// Received returns what the demo receiver accepted so far.
func (d *DemoReceiver) Received() []ReceivedEvent {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]ReceivedEvent(nil), d.received...)
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orWriter(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
