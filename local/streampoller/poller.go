// Package streampoller stands in for a Lambda event source mapping on a DynamoDB stream, for the
// local stack and tests: it reads DynamoDB Local's stream with the real Streams API (shards,
// iterators, GetRecords), applies the mapping's filter pattern, and invokes a handler with the
// event Lambda would send (events.DynamoDBEvent, serialised and parsed like Lambda does), with
// Lambda's semantics: batches per shard in order, partial batch responses (retry from the
// earliest failed record), retries with back-off, bisection of a failing batch, and after the
// last retry the batch goes to a dead-letter sink (the stack's SQS on-failure destination) that
// tests can inspect. Checkpoints survive Stop/Start, as a mapping's do.
package streampoller

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamsAPI is the part of *dynamodbstreams.Client the poller uses.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Handler is a stream consumer's Lambda handler.
type Handler func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Options configure one mapping.
type Options struct {
	Name         string // the consumer (logs, dead letters)
	Streams      StreamsAPI
	StreamARN    string
	Handler      Handler
	Filter       string        // Lambda filter pattern; "" passes every record
	BatchSize    int           // default 10
	Retries      int           // retries of a failing batch before the dead-letter sink; default 5, negative for none
	Backoff      time.Duration // pause before the first retry, doubled up to MaxBackoff; default 50 ms
	MaxBackoff   time.Duration // default 2 s
	PollInterval time.Duration // pause when a pass found nothing; default 50 ms
	Bisect       bool          // split a failing batch in two (BisectBatchOnFunctionError)
	Timeout      time.Duration // one invocation's deadline (the function's timeout); default 60 s
	DeadLetters  *DeadLetters  // where exhausted batches go; nil keeps them in the poller's own sink
	Log          *slog.Logger
}

// Poller is one running mapping.
type Poller struct {
	o      Options
	filter *Filter

	mu          sync.Mutex
	checkpoints map[string]string // shard id → last sequence number handed over for good
	finished    map[string]bool   // closed shards read to their end
	cancel      context.CancelFunc
	done        chan struct{}
	passes      uint64 // completed passes over every shard
	idlePass    uint64 // the last pass that found nothing to do
	invocations int
	changed     *sync.Cond

	shards    []stypes.Shard // the stream's shards, described at most once a second (run's goroutine only)
	described time.Time
}

// New checks the options and returns a stopped poller.
func New(o Options) (*Poller, error) {
	if o.Streams == nil || o.StreamARN == "" || o.Handler == nil {
		return nil, errors.New("streampoller: Streams, StreamARN and Handler are required")
	}
	f, err := CompileFilter(o.Filter)
	if err != nil {
		return nil, err
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 50 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.DeadLetters == nil {
		o.DeadLetters = &DeadLetters{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	p := &Poller{o: o, filter: f, checkpoints: map[string]string{}, finished: map[string]bool{}}
	p.changed = sync.NewCond(&p.mu)
	return p, nil
}

// DeadLetters returns the sink of this poller.
func (p *Poller) DeadLetters() *DeadLetters { return p.o.DeadLetters }

// Start runs the poller until Stop; it resumes after the checkpoints of an earlier run.
func (p *Poller) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go p.run(ctx, p.done)
}

// Stop ends the run and waits for it: a batch being handled is finished first (its outcome
// checkpointed or retried later), as when a mapping is disabled.
func (p *Poller) Stop() {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel = nil
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	p.mu.Lock()
	p.changed.Broadcast()
	p.mu.Unlock()
}

// Invocations counts the handler's invocations so far.
func (p *Poller) Invocations() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.invocations
}

// Drain waits until the poller has handled every record written before the call: two complete
// passes after it, the last of which found nothing to do. It is a readiness check for tests
// and for the local stack, not a sleep.
func (p *Poller) Drain(ctx context.Context) error {
	p.mu.Lock()
	start := p.passes
	p.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.changed.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for !(p.passes >= start+2 && p.idlePass == p.passes) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.cancel == nil {
			return errors.New("streampoller: not running")
		}
		p.changed.Wait()
	}
	return nil
}

type shardState struct {
	iterator string
}

func (p *Poller) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	shards := map[string]*shardState{}
	for ctx.Err() == nil {
		busy, err := p.pass(ctx, shards)
		if err != nil && ctx.Err() == nil {
			p.o.Log.Warn("stream poll failed", slog.String("consumer", p.o.Name), slog.String("err", err.Error()))
		}
		p.mu.Lock()
		p.passes++
		if !busy && err == nil {
			p.idlePass = p.passes
		}
		p.changed.Broadcast()
		p.mu.Unlock()
		if !busy {
			t := time.NewTimer(p.o.PollInterval)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
	}
}

// pass reads every readable shard once and hands what it found to the handler. busy reports
// whether there was anything.
func (p *Poller) pass(ctx context.Context, shards map[string]*shardState) (busy bool, err error) {
	if p.shards == nil || time.Since(p.described) > time.Second {
		desc, err := p.o.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.o.StreamARN)})
		if err != nil {
			return false, err
		}
		p.shards, p.described = desc.StreamDescription.Shards, time.Now()
	}
	all := append([]stypes.Shard(nil), p.shards...)
	known := map[string]bool{}
	for _, s := range all {
		known[aws.ToString(s.ShardId)] = true
	}
	sort.Slice(all, func(i, j int) bool {
		return seqLess(startSeq(all[i]), startSeq(all[j]))
	})
	for _, s := range all {
		id := aws.ToString(s.ShardId)
		p.mu.Lock()
		fin, parentDone := p.finished[id], s.ParentShardId == nil || !known[aws.ToString(s.ParentShardId)] || p.finished[aws.ToString(s.ParentShardId)]
		p.mu.Unlock()
		if fin || !parentDone {
			continue // a child waits for its parent, as Lambda keeps per-key order
		}
		st := shards[id]
		if st == nil {
			st = &shardState{}
			shards[id] = st
		}
		b, err := p.readShard(ctx, id, st)
		busy = busy || b
		if err != nil {
			st.iterator = "" // start again from the checkpoint
			return busy, err
		}
	}
	return busy, nil
}

func startSeq(s stypes.Shard) string {
	if s.SequenceNumberRange == nil {
		return ""
	}
	return aws.ToString(s.SequenceNumberRange.StartingSequenceNumber)
}

func (p *Poller) readShard(ctx context.Context, shard string, st *shardState) (bool, error) {
	if st.iterator == "" {
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.o.StreamARN), ShardId: aws.String(shard),
			ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon}
		p.mu.Lock()
		if cp := p.checkpoints[shard]; cp != "" {
			in.ShardIteratorType, in.SequenceNumber = stypes.ShardIteratorTypeAfterSequenceNumber, aws.String(cp)
		}
		p.mu.Unlock()
		out, err := p.o.Streams.GetShardIterator(ctx, in)
		if err != nil {
			return false, err
		}
		st.iterator = aws.ToString(out.ShardIterator)
	}
	out, err := p.o.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(st.iterator), Limit: aws.Int32(1000)})
	if err != nil {
		return false, err
	}
	if out.NextShardIterator == nil {
		p.mu.Lock()
		p.finished[shard] = true
		p.mu.Unlock()
	}
	st.iterator = aws.ToString(out.NextShardIterator)
	if len(out.Records) == 0 {
		return false, nil
	}
	var batch []events.DynamoDBEventRecord
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := p.deliver(ctx, shard, batch)
		batch = nil
		return err
	}
	for _, r := range out.Records {
		lr := toLambda(r, p.o.StreamARN)
		if !p.filter.Match(lr) {
			p.checkpoint(shard, lr.Change.SequenceNumber) // filtered out: dropped, as Lambda does
			continue
		}
		batch = append(batch, lr)
		if len(batch) == p.o.BatchSize {
			if err := flush(); err != nil {
				return true, err
			}
		}
	}
	return true, flush()
}

func (p *Poller) checkpoint(shard, seq string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if seqLess(p.checkpoints[shard], seq) {
		p.checkpoints[shard] = seq
	}
}

// seqLess orders sequence numbers (decimal strings of varying length).
func seqLess(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b }

// deliver hands a batch to the handler until it succeeds, with retries, partial batch
// responses and bisection; what is left after the last retry goes to the dead-letter sink.
// It returns an error only when the poller is stopping (the batch is read again on Start).
func (p *Poller) deliver(ctx context.Context, shard string, batch []events.DynamoDBEventRecord) error {
	retries := 0
	delay := p.o.Backoff
	for len(batch) > 0 {
		failedFrom, reason := p.invoke(ctx, batch)
		if failedFrom < 0 {
			p.checkpoint(shard, batch[len(batch)-1].Change.SequenceNumber)
			return nil
		}
		// Everything before the first failed record is done.
		if failedFrom > 0 {
			p.checkpoint(shard, batch[failedFrom-1].Change.SequenceNumber)
			batch = batch[failedFrom:]
		}
		if retries >= p.o.Retries {
			p.deadLetter(shard, batch, reason)
			p.checkpoint(shard, batch[len(batch)-1].Change.SequenceNumber)
			return nil
		}
		if p.o.Bisect && len(batch) > 1 && reason == reasonFunctionError {
			half := len(batch) / 2
			if err := p.deliver(ctx, shard, batch[:half]); err != nil {
				return err
			}
			batch = batch[half:]
		}
		retries++
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		delay = min(2*delay, p.o.MaxBackoff)
	}
	return nil
}

const (
	reasonFunctionError = "function_error"
	reasonItemFailures  = "batch_item_failures"
)

// invoke runs the handler once, on the JSON Lambda would send, and returns the index of the
// first record to retry (-1 when the whole batch succeeded).
func (p *Poller) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (int, string) {
	raw, _ := json.Marshal(events.DynamoDBEvent{Records: batch})
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return 0, reasonFunctionError
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.o.Timeout)
	defer cancel()
	p.mu.Lock()
	p.invocations++
	p.mu.Unlock()
	resp, err := p.safeHandle(ictx, ev)
	if err != nil {
		p.o.Log.Warn("stream handler failed", slog.String("consumer", p.o.Name), slog.String("err", err.Error()))
		return 0, reasonFunctionError
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		i := indexOf(batch, f.ItemIdentifier)
		if i < 0 {
			return 0, reasonFunctionError // an unknown identifier fails the whole batch, as in Lambda
		}
		if first < 0 || i < first {
			first = i
		}
	}
	return first, reasonItemFailures
}

func (p *Poller) safeHandle(ctx context.Context, ev events.DynamoDBEvent) (resp events.DynamoDBEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("streampoller: the handler panicked")
		}
	}()
	return p.o.Handler(ctx, ev)
}

func indexOf(batch []events.DynamoDBEventRecord, seq string) int {
	for i, r := range batch {
		if r.Change.SequenceNumber == seq {
			return i
		}
	}
	return -1
}

func (p *Poller) deadLetter(shard string, batch []events.DynamoDBEventRecord, reason string) {
	d := DeadLetter{Consumer: p.o.Name, StreamARN: p.o.StreamARN, ShardID: shard, Reason: reason, BatchSize: len(batch),
		StartSequenceNumber: batch[0].Change.SequenceNumber, EndSequenceNumber: batch[len(batch)-1].Change.SequenceNumber,
		Records: append([]events.DynamoDBEventRecord(nil), batch...), At: time.Now()}
	p.o.DeadLetters.add(d)
	p.o.Log.Error("stream batch sent to the dead-letter sink", slog.String("consumer", p.o.Name), slog.String("shard", shard),
		slog.String("startSequenceNumber", d.StartSequenceNumber), slog.String("endSequenceNumber", d.EndSequenceNumber),
		slog.Int("batchSize", d.BatchSize), slog.String("reason", reason))
}

// DeadLetter is what the mapping's on-failure destination receives (Lambda sends the batch's
// coordinates, DDBStreamBatchInfo, to SQS); locally the records are kept too, for tests.
type DeadLetter struct {
	Consumer            string
	StreamARN           string
	ShardID             string
	StartSequenceNumber string
	EndSequenceNumber   string
	BatchSize           int
	Reason              string
	Records             []events.DynamoDBEventRecord
	At                  time.Time
}

// DeadLetters is the local stand-in for the dead-letter queue. Safe for concurrent use.
type DeadLetters struct {
	mu    sync.Mutex
	items []DeadLetter
}

func (d *DeadLetters) add(x DeadLetter) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.items = append(d.items, x)
}

// List returns the dead letters so far.
func (d *DeadLetters) List() []DeadLetter {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DeadLetter(nil), d.items...)
}
