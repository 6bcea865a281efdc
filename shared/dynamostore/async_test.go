package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/dynamostore"
)

func pid(n int) string { return fmt.Sprintf("%08d-0000-4000-8000-000000000000", n) }

// TestRecordDelivery: one conditional write tells recorded, duplicate, final and unknown apart,
// and writes nothing in the last three cases.
func TestRecordDelivery(t *testing.T) {
	ctx := context.Background()
	db := dynamolocaltest.Client(t, server)
	name := dynamolocaltest.TableName(t)
	if err := dynamostore.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	s := dynamostore.New(db, name)
	open, final := sample(pid(1)), sample(pid(2))
	final.State = domain.StateFinished
	for _, p := range []domain.Process{open, final} {
		if err := s.CreateProcess(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := func(id, key string) domain.Delivery {
		return domain.Delivery{ProcessID: id, Key: key, UnicoState: "PROCESS_STATE_FINISHED", ReceivedAt: t0, KeepUntil: t0.Add(time.Hour)}
	}
	for _, c := range []struct {
		d    domain.Delivery
		want domain.DeliveryOutcome
	}{
		{d(open.ID, "k1"), domain.DeliveryRecorded},
		{d(open.ID, "k1"), domain.DeliveryDuplicate},
		{d(open.ID, "k2"), domain.DeliveryRecorded},
		{d(final.ID, "k1"), domain.DeliveryProcessFinal},
		{d(pid(3), "k1"), domain.DeliveryUnknownProcess},
	} {
		got, err := s.RecordDelivery(ctx, c.d)
		if err != nil || got != c.want {
			t.Fatalf("RecordDelivery(%s, %s) = %v, %v; want %v", c.d.ProcessID[:8], c.d.Key, got, err, c.want)
		}
	}
	count := func(id string) int {
		out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name),
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :w)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "P#" + id}, ":w": &types.AttributeValueMemberS{Value: dynamostore.DeliveryPrefix}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Items)
	}
	if n1, n2, n3 := count(open.ID), count(final.ID), count(pid(3)); n1 != 2 || n2 != 0 || n3 != 0 {
		t.Fatalf("delivery items: open %d (want 2), final %d, unknown %d (want 0)", n1, n2, n3)
	}
	// The process item itself is untouched by deliveries.
	if got, err := s.GetProcess(ctx, open.ID); err != nil || got.Version != 1 {
		t.Fatalf("process after deliveries: %+v %v", got, err)
	}
}

// TestDueForSweep: gsi2 holds open processes by next check; final ones leave it.
func TestDueForSweep(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := t0.Add(time.Hour)
	mk := func(n int, next time.Time, st domain.State) {
		p := sample(pid(n))
		p.NextSweepAt, p.State = next, st
		if err := s.CreateProcess(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	mk(1, now.Add(-time.Minute), domain.StateCreated)     // due
	mk(2, now.Add(-30*time.Minute), domain.StateCreated)  // due, longer overdue
	mk(3, now.Add(time.Minute), domain.StateCreated)      // not yet
	mk(4, now.Add(-time.Hour), domain.StateFinished)      // final: never
	mk(5, time.Time{}, domain.StateAwaitingDocument)      // no NextSweepAt: its creation time counts
	mk(6, now.Add(-time.Nanosecond), domain.StateCreated) // due by a nanosecond
	got, err := s.DueForSweep(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{pid(5), pid(2), pid(1), pid(6)}
	if !slices.Equal(got, want) {
		t.Fatalf("due = %v, want %v", got, want)
	}
	if got := must(s.DueForSweep(ctx, now, 2))(t); !slices.Equal(got, want[:2]) {
		t.Fatalf("due with limit 2 = %v", got)
	}
	// Finishing a process takes it out of the index.
	p := must(s.GetProcess(ctx, pid(2)))(t)
	next := p
	next.State, next.Version = domain.StateFinished, 2
	if err := s.UpdateProcess(ctx, next, 1); err != nil {
		t.Fatal(err)
	}
	if got := must(s.DueForSweep(ctx, now, 10))(t); slices.Contains(got, pid(2)) {
		t.Fatalf("a final process is still due: %v", got)
	}
}

// TestOutbox: the event is written with the final state or not at all; attempts are claimed
// once; settling moves it through the index.
func TestOutbox(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := sample(pid(7))
	if err := s.CreateProcess(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	ev := domain.OutboundEvent{ID: domain.EventID(p.ID), ProcessID: p.ID, Tenant: "acme", Type: "process.finished",
		Payload: []byte(`{"type":"process.finished"}`), Status: domain.EventPending, NextAttemptAt: t0, CreatedAt: t0, KeepUntil: t0.Add(24 * time.Hour)}
	fin := p
	fin.State, fin.Version = domain.StateFinished, 2

	// A stale version writes neither the process nor the event.
	if err := s.UpdateProcessWithEvent(ctx, fin, 5, ev); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("stale: %v", err)
	}
	if _, err := s.GetEvent(ctx, p.ID); !errors.Is(err, domain.ErrEventNotFound) {
		t.Fatalf("event after a failed transaction: %v", err)
	}
	if err := s.UpdateProcessWithEvent(ctx, fin, 1, ev); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetEvent(ctx, p.ID)
	if err != nil || got.ID != ev.ID || string(got.Payload) != string(ev.Payload) || got.Status != domain.EventPending || got.Attempts != 0 ||
		!got.NextAttemptAt.Equal(t0) || got.Tenant != "acme" || !got.KeepUntil.Equal(ev.KeepUntil) {
		t.Fatalf("event = %+v, %v", got, err)
	}
	if st := must(s.GetProcess(ctx, p.ID))(t); st.State != domain.StateFinished {
		t.Fatalf("process = %+v", st)
	}
	if due := must(s.DueEvents(ctx, t0.Add(-time.Second), 10))(t); len(due) != 0 {
		t.Fatalf("due before its time: %v", due)
	}
	if due := must(s.DueEvents(ctx, t0, 10))(t); !slices.Equal(due, []string{p.ID}) {
		t.Fatalf("due = %v", due)
	}

	// Claims: the first wins, a second with the same count loses.
	lease := t0.Add(time.Minute)
	if err := s.ClaimEvent(ctx, p.ID, 0, lease); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimEvent(ctx, p.ID, 0, lease); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("second claim: %v", err)
	}
	if due := must(s.DueEvents(ctx, t0.Add(30*time.Second), 10))(t); len(due) != 0 {
		t.Fatalf("claimed event still due: %v", due)
	}
	// A failed attempt is settled with its next attempt.
	got = must(s.GetEvent(ctx, p.ID))(t)
	got.LastError, got.NextAttemptAt = "http_503", t0.Add(10*time.Second)
	if err := s.SettleEvent(ctx, got); err != nil {
		t.Fatal(err)
	}
	if due := must(s.DueEvents(ctx, t0.Add(10*time.Second), 10))(t); !slices.Equal(due, []string{p.ID}) {
		t.Fatalf("due after a failure = %v", due)
	}
	// A settle with a stale attempt count changes nothing.
	stale := got
	stale.Attempts, stale.Status = 0, domain.EventDelivered
	if err := s.SettleEvent(ctx, stale); !errors.Is(err, domain.ErrConditionFailed) {
		t.Fatalf("stale settle: %v", err)
	}
	// Parked: out of the due list, in the parked list.
	got = must(s.GetEvent(ctx, p.ID))(t)
	if got.Attempts != 1 || got.LastError != "http_503" {
		t.Fatalf("after failure: %+v", got)
	}
	got.Status, got.NextAttemptAt = domain.EventParked, t0.Add(time.Hour)
	if err := s.SettleEvent(ctx, got); err != nil {
		t.Fatal(err)
	}
	if due := must(s.DueEvents(ctx, t0.Add(48*time.Hour), 10))(t); len(due) != 0 {
		t.Fatalf("parked event due: %v", due)
	}
	if parked := must(s.ParkedEvents(ctx, 10))(t); !slices.Equal(parked, []string{p.ID}) {
		t.Fatalf("parked = %v", parked)
	}
	// Replay: written back as pending; then delivered leaves every list.
	got.Status, got.Attempts, got.NextAttemptAt, got.LastError = domain.EventPending, 0, t0.Add(2*time.Hour), ""
	if err := s.PutEvent(ctx, got); err != nil {
		t.Fatal(err)
	}
	if parked := must(s.ParkedEvents(ctx, 10))(t); len(parked) != 0 {
		t.Fatalf("parked after replay = %v", parked)
	}
	if err := s.ClaimEvent(ctx, p.ID, 0, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got = must(s.GetEvent(ctx, p.ID))(t)
	got.Status, got.DeliveredAt, got.NextAttemptAt = domain.EventDelivered, t0.Add(2*time.Hour), time.Time{}
	if err := s.SettleEvent(ctx, got); err != nil {
		t.Fatal(err)
	}
	got = must(s.GetEvent(ctx, p.ID))(t)
	if got.Status != domain.EventDelivered || !got.DeliveredAt.Equal(t0.Add(2*time.Hour)) || !got.NextAttemptAt.IsZero() {
		t.Fatalf("delivered = %+v", got)
	}
	if due := must(s.DueEvents(ctx, t0.Add(100*time.Hour), 10))(t); len(due) != 0 {
		t.Fatalf("delivered event due: %v", due)
	}
}
