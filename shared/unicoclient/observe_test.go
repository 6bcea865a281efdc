package unicoclient

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

type recordedCall struct {
	op     string
	status int
}

type callRecorder struct {
	mu    sync.Mutex
	calls []recordedCall
}

func (r *callRecorder) UnicoCall(_ context.Context, op string, status int, d time.Duration) {
	if d < 0 {
		panic("negative duration")
	}
	r.mu.Lock()
	r.calls = append(r.calls, recordedCall{op, status})
	r.mu.Unlock()
}

// Every exchange with Unico is observed, retries and the 401 rule included, with the status
// Unico answered (0 when none came); the token endpoint is not (TokenObserver covers it).
func TestCallObserverSeesEveryExchange(t *testing.T) {
	rec := &callRecorder{}
	n := 0
	var mu sync.Mutex
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.Calls = rec }, handler: func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		switch i {
		case 1: // GetProcess: 503, then 200 on the retry
			writeJSON(w, 503, `{}`)
		case 2:
			writeJSON(w, 200, processBody)
		case 3: // CreateProcess: 401 (token refreshed, one retry), then 429
			writeJSON(w, 401, `{"error":{"code":"1.2.3"}}`)
		default:
			writeJSON(w, 429, `{"error":{"code":"429"}}`)
		}
	}})
	ctx := context.Background()
	if _, err := e.client.GetProcess(ctx, "53060f52-f146-4c12-a234-5bb5031f6f5b"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateProcess(ctx, unico.CreateProcessRequest{Flow: unico.FlowID}); err == nil {
		t.Fatal("429 answered as a success")
	}
	e.api.Close() // no answer at all: status 0
	_, _ = e.client.CreateProcess(ctx, unico.CreateProcessRequest{Flow: unico.FlowID})

	want := []recordedCall{{"GetProcess", 503}, {"GetProcess", 200}, {"CreateProcess", 401}, {"CreateProcess", 429}, {"CreateProcess", 0}}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.calls) != len(want) {
		t.Fatalf("observed %v, want %v", rec.calls, want)
	}
	for i := range want {
		if rec.calls[i] != want[i] {
			t.Fatalf("observed %v, want %v", rec.calls, want)
		}
	}
	if m := e.tokens.mints.Load(); m != 2 {
		t.Fatalf("%d token requests, want 2 (first use, after the 401)", m)
	}
}
