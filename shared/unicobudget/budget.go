// Package unicobudget is the fleet-wide budget of calls to Unico (DESIGN: "Unico's budget is
// the system's scarce resource"): Unico accepts about unicoRateLimit requests per second for the
// whole account, shared by every container of every function. Every request to Unico takes a
// permit first (Transport wraps the Unico HTTP client, so API calls, artefacts and token mints
// all pay).
//
// # Mechanism
//
// One bucket for the whole fleet, kept in DynamoDB so that every container sees the same state:
// a single number, the theoretical arrival time (TAT) of the next call (GCRA). Taking a permit
// moves it from tat to max(tat, now)+1/rate with a conditional write that succeeds only if
// nobody moved it meanwhile; the call then goes at max(tat, now), a slot that may lie in the
// future (a reservation the caller sleeps for). Slots are 1/rate apart for the whole fleet, so
// no second ever holds more than rate calls, however many containers run.
//
// Priorities are horizons: a call may reserve a slot at most its priority's MaxWait ahead
// (creates 3 s, webhook follow-ups 2 s, read refreshes and includes 250 ms, the sweeper
// 100 ms). Under load the low priorities find the near slots taken and are refused at once
// (*Exhausted with a Retry-After), while a create can still book beyond them: the low
// priorities never take the capacity the high ones need, and when the high ones are idle the
// low ones may use the whole rate.
//
// Cost: with this container's last view of the bucket right, one conditional UpdateItem per
// Unico call; a stale view costs one more (the failed write returns the current value, no
// read). A call that finds the bucket booked beyond its horizon in its last view costs nothing.
package unicobudget

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Priority orders Unico calls; lower values are served first.
type Priority int

const (
	Create   Priority = iota // a caller is waiting: creates, by-Client submissions, document sets
	FollowUp                 // the worker's read after a webhook
	Read                     // read refreshes, include=documents, artefacts, document lists
	Sweep                    // the sweeper's checks
	numPriorities
)

var priorityNames = [numPriorities]string{"create", "followup", "read", "sweep"}

func (p Priority) String() string {
	if p < 0 || p >= numPriorities {
		return "unknown"
	}
	return priorityNames[p]
}

type ctxKey struct{}

// WithPriority marks the Unico calls made with ctx.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// priorityIn is ctx's priority, if WithPriority set one.
func priorityIn(ctx context.Context) (Priority, bool) {
	p, ok := ctx.Value(ctxKey{}).(Priority)
	return p, ok && p >= 0 && p < numPriorities
}

// Exhausted is the error of a call that got no permit in time.
type Exhausted struct {
	Priority   Priority
	RetryAfter time.Duration
}

func (e *Exhausted) Error() string {
	return fmt.Sprintf("unico budget exhausted for %s calls; retry after %s", e.Priority, e.RetryAfter)
}

// BudgetExhausted lets other packages recognise the error by method (no import needed).
func (e *Exhausted) BudgetExhausted() time.Duration { return e.RetryAfter }

// Store keeps the bucket's arrival time, shared by every container. Both operations are single
// atomic conditional writes; neither fails because another container wrote meanwhile unless
// the bucket's state really changed in a way that matters.
type Store interface {
	// AddTAT adds step to the bucket's arrival time if it lies between from and to (both
	// included) and returns the new value; otherwise ok is false and the stored value comes
	// back (zero when the bucket does not exist yet).
	AddTAT(ctx context.Context, bucket string, step time.Duration, from, to time.Time) (tat time.Time, ok bool, err error)
	// RaiseTAT sets the bucket's arrival time to next if it is absent or before floor;
	// otherwise ok is false and the stored value comes back.
	RaiseTAT(ctx context.Context, bucket string, floor, next time.Time) (tat time.Time, ok bool, err error)
}

// Config sizes the budget.
type Config struct {
	Rate float64 // permits per second for the whole fleet (unicoRateLimit); required
	// MaxWait per priority: how far ahead a call may book its slot (and so how long it may
	// wait for it); default DefaultMaxWait. Higher priorities must not have shorter horizons.
	MaxWait [numPriorities]time.Duration
	// Bucket names the shared bucket (default "unico"): one per Unico account.
	Bucket   string
	Now      func() time.Time
	Sleep    func(ctx context.Context, d time.Duration) error
	Observer Observer // optional
}

// Observer is told about the budget's decisions (metrics).
type Observer interface {
	// Permit: a call of priority p got its permit after waiting waited (zero: a free slot).
	Permit(p Priority, waited time.Duration)
	// Refused: a call of priority p got no permit within its MaxWait.
	Refused(p Priority)
	// Paused: Unico answered 429; the budget is paused for d (err: the pause was not stored).
	Paused(d time.Duration, err error)
}

// DefaultMaxWait: a create may wait 3 s for its slot (a caller is waiting; API Gateway allows
// 29 s), a webhook follow-up 2 s (asynchronous: a refusal is retried by the stream), a read
// refresh, include or artefact 250 ms (a refresh answers the store instead), the sweeper 100 ms
// (its next run looks again).
var DefaultMaxWait = [numPriorities]time.Duration{3 * time.Second, 2 * time.Second, 250 * time.Millisecond, 100 * time.Millisecond}

// Budget hands out permits.
type Budget struct {
	cfg      Config
	store    Store
	interval time.Duration
	mu       sync.Mutex
	seen     time.Time // this container's last view of the bucket's arrival time
}

// New builds a budget over store.
func New(store Store, cfg Config) (*Budget, error) {
	if cfg.Rate <= 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		return nil, errors.New("unicobudget: Rate must be a positive number of calls per second")
	}
	if cfg.MaxWait == ([numPriorities]time.Duration{}) {
		cfg.MaxWait = DefaultMaxWait
	}
	for p := Priority(1); p < numPriorities; p++ {
		if cfg.MaxWait[p] < 0 || cfg.MaxWait[p] > cfg.MaxWait[p-1] {
			return nil, fmt.Errorf("unicobudget: MaxWait of %s (%s) must be between 0 and that of %s (%s)", p, cfg.MaxWait[p], p-1, cfg.MaxWait[p-1])
		}
	}
	if cfg.Bucket == "" {
		cfg.Bucket = "unico"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &Budget{cfg: cfg, store: store, interval: time.Duration(float64(time.Second) / cfg.Rate)}, nil
}

// maxWrites bounds the store writes of one Acquire: an idle bucket costs one RaiseTAT, a
// booked one one AddTAT (atomic, so concurrent containers do not make each other retry); only
// a bucket that turns idle and busy again between writes costs more.
const maxWrites = 6

// Acquire takes a permit for a call of priority p, waiting for its slot at most the
// priority's MaxWait; *Exhausted when no slot lies within it.
func (b *Budget) Acquire(ctx context.Context, p Priority) error {
	if p < 0 || p >= numPriorities {
		p = Read
	}
	slot, err := b.Reserve(ctx, p)
	if err != nil {
		return err
	}
	wait := slot.Sub(b.cfg.Now())
	if wait > 0 {
		if err := b.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	b.observe(p, max(wait, 0), false)
	return nil
}

// Reserve books the next slot for a call of priority p without waiting for it: the time the
// call may go (at most the priority's MaxWait away), or *Exhausted. Acquire is Reserve and
// the wait.
func (b *Budget) Reserve(ctx context.Context, p Priority) (time.Time, error) {
	if p < 0 || p >= numPriorities {
		p = Read
	}
	horizon := b.cfg.MaxWait[p]
	for attempt := 0; attempt < maxWrites; attempt++ {
		// Microseconds: what the store keeps, so that slots are exactly 1/rate apart.
		now := b.cfg.Now().Truncate(time.Microsecond)
		b.mu.Lock()
		seen := b.seen
		b.mu.Unlock()
		if seen.Before(now) {
			// Idle in this container's view: the call goes now and the bucket restarts.
			cur, ok, err := b.store.RaiseTAT(ctx, b.cfg.Bucket, now, now.Add(b.interval))
			if err != nil {
				return time.Time{}, err
			}
			b.see(cur)
			if ok {
				return now, nil
			}
			if cur.Before(now) {
				continue // moved meanwhile, and idle again
			}
			seen = cur
		}
		if wait := seen.Sub(now); wait > horizon {
			return time.Time{}, b.refuse(p, wait) // booked beyond the horizon: the tat only grows, no write needed
		}
		tat, ok, err := b.store.AddTAT(ctx, b.cfg.Bucket, b.interval, now, now.Add(horizon))
		if err != nil {
			return time.Time{}, err
		}
		b.see(tat)
		if !ok {
			if tat.Before(now) {
				continue // idle after all
			}
			return time.Time{}, b.refuse(p, tat.Sub(now))
		}
		return tat.Add(-b.interval), nil
	}
	return time.Time{}, b.refuse(p, b.interval)
}

// see records the latest arrival time this container learned of (it only grows).
func (b *Budget) see(tat time.Time) {
	b.mu.Lock()
	if tat.After(b.seen) {
		b.seen = tat
	}
	b.mu.Unlock()
}

func (b *Budget) refuse(p Priority, wait time.Duration) error {
	b.observe(p, 0, true)
	return &Exhausted{Priority: p, RetryAfter: max(time.Second, (wait - b.cfg.MaxWait[p]).Round(time.Second))}
}

// Pause moves the bucket to at least until: Unico answered 429 with Retry-After, and no
// container should call before then.
func (b *Budget) Pause(ctx context.Context, until time.Time) error {
	cur, _, err := b.store.RaiseTAT(ctx, b.cfg.Bucket, until, until)
	if err != nil {
		return err
	}
	b.see(cur)
	return nil
}

func (b *Budget) observe(p Priority, waited time.Duration, exhausted bool) {
	switch o := b.cfg.Observer; {
	case o == nil:
	case exhausted:
		o.Refused(p)
	default:
		o.Permit(p, waited)
	}
}

func (b *Budget) observePause(d time.Duration, err error) {
	if b.cfg.Observer != nil {
		b.cfg.Observer.Paused(d, err)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
