package unicosim

import (
	"testing"
	"time"
)

// TestRateLimit: with RateLimit 10, the 11th API call within a sliding second answers 429 with
// Retry-After and is counted; a second later calls go through again; the control API is never
// limited.
func TestRateLimit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.RateLimit = 10 })
	f.mint() // one call
	id := f.create("idlive", ScenarioCPF("approved"))
	for i := 0; i < 8; i++ {
		if status, body, _ := f.call("GET", "/client/v1/process/"+id, nil); status != 200 {
			t.Fatalf("call %d: %d %s", i+3, status, body)
		}
	}
	status, body, hdr := f.call("GET", "/client/v1/process/"+id, nil)
	if status != 429 || hdr.Get("Retry-After") != "1" || dig(mustJSON(t, body), "code") != float64(8) {
		t.Fatalf("the 11th call in a second: %d %s %v", status, body, hdr)
	}
	if st := f.sim.Stats(); st.RateLimited != 1 || st.MaxCallsPerSecond != 11 {
		t.Fatalf("stats %+v", st)
	}
	if status, _, _ := f.call("POST", "/__sim/selfies", nil); status != 200 {
		t.Fatalf("the control API was limited: %d", status)
	}
	f.clock.Advance(time.Second + time.Millisecond)
	if status, body, _ := f.call("GET", "/client/v1/process/"+id, nil); status != 200 {
		t.Fatalf("a second later: %d %s", status, body)
	}
}
