package domain

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// FuzzHostedAnswer: whatever Unico answers for a process, decoded as the client decodes it,
// the gateway can decide, record and render it: no panic, a known outcome with reasons, a
// state that never moves backwards, and a view that encodes to JSON (a read never answers 500).
func FuzzHostedAnswer(f *testing.F) {
	entries, err := os.ReadDir("../unico/testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "byunico") {
			b, err := os.ReadFile(filepath.Join("../unico/testdata", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, 50.0)
		}
	}
	f.Add([]byte(`{"process":{"id":"x","state":"PROCESS_STATE_FINISHED","result":"PROCESS_RESULT_OK","authenticationInfo":{"scoreEngineResult":{"scoreEnabled":"SCORE_ENABLED_TRUE","score":"-1e308"}}}}`), -1.0)
	f.Fuzz(func(t *testing.T, data []byte, minScore float64) {
		var env unico.ProcessEnvelope
		if unico.Decode(data, &env) != nil {
			return
		}
		up := env.Process
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := Process{ID: "0e9f4c1a-3b7d-4c2e-9a51-7f3d2b1c0e99", Tenant: "t", Integration: ByUnico, Flow: "idlive", State: StateCreated,
			CreatedAt: now, UpdatedAt: now, RetainUntil: now.Add(time.Hour), Version: 1}
		next := p
		applyHosted(&next, up, minScore)
		switch next.Decision.Outcome {
		case OutcomeApproved, OutcomeRejected, OutcomeRetry, OutcomePending, OutcomeReview:
		default:
			t.Fatalf("outcome %q", next.Decision.Outcome)
		}
		if len(next.Decision.Reasons) == 0 {
			t.Fatalf("decision %q without reasons", next.Decision.Outcome)
		}
		for _, v := range []ProcessView{hostedView(next, &up), storedView(next)} {
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("view cannot be encoded: %v", err)
			}
		}
	})
}

// FuzzUnicoWebhook: any webhook body is either a delivery with a valid process id or a 400.
func FuzzUnicoWebhook(f *testing.F) {
	f.Add([]byte(`{"processId":"0e9f4c1a-3b7d-4c2e-9a51-7f3d2b1c0e99","state":"PROCESS_STATE_FINISHED","flow":"idlive"}`))
	f.Add([]byte(`{"eventDate":"2026-01-01T00:00:00Z","event":"process.finished","data":{"id":" 0e9f4c1a-3b7d-4c2e-9a51-7f3d2b1c0e99 "}}`))
	f.Add([]byte(`{"processId":39053344705}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseUnicoWebhook(body)
		if err != nil {
			if e := AsError(err); e.Kind != KindInvalid || e.Code != "invalid_webhook" {
				t.Fatalf("%v is not a 400 invalid_webhook", err)
			}
			return
		}
		if !validID(ev.ProcessID) {
			t.Fatalf("accepted process id %q", ev.ProcessID)
		}
	})
}
