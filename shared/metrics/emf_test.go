package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/logging"
)

func TestEmitIsOneEMFLine(t *testing.T) {
	buf := &logging.SyncBuffer{}
	e := New(buf, Namespace, map[string]string{DimensionStack: "UnicoGateway", "Function": `we"ird`})
	at := time.Date(2026, 3, 1, 12, 0, 0, 5e6, time.UTC)
	e.SetClock(func() time.Time { return at })
	e.Emit(Metric{Name: UnicoTokenMints, Value: 1, Unit: Count}, Metric{Name: UnicoSharedTokenSecondsLeft, Value: 2999.5, Unit: Seconds})

	out := buf.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("want exactly one line: %q", out)
	}
	// The exact document CloudWatch expects (spec: _aws.Timestamp in ms, one directive with the
	// namespace, dimension sets naming root members, metric definitions naming root members).
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v: %s", err, out)
	}
	want := map[string]any{
		"_aws": map[string]any{
			"Timestamp": float64(at.UnixMilli()),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "UnicoGateway",
				"Dimensions": []any{[]any{"Function", "Stack"}},
				"Metrics": []any{
					map[string]any{"Name": "UnicoTokenMints", "Unit": "Count"},
					map[string]any{"Name": "UnicoSharedTokenSecondsLeft", "Unit": "Seconds"},
				},
			}},
		},
		"Stack":                       "UnicoGateway",
		"Function":                    `we"ird`,
		"UnicoTokenMints":             1.0,
		"UnicoSharedTokenSecondsLeft": 2999.5,
	}
	got, _ := json.Marshal(doc)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Fatalf("document\n got %s\nwant %s", got, exp)
	}

	recs := Scan("plain log line\n{\"level\":\"INFO\",\"msg\":\"x\"}\n" + out + "{broken _aws\n")
	if len(recs) != 1 || recs[0].Values[UnicoTokenMints] != 1 || recs[0].Dimensions[DimensionStack] != "UnicoGateway" ||
		recs[0].Units[UnicoSharedTokenSecondsLeft] != Seconds || !recs[0].Timestamp.Equal(at) {
		t.Fatalf("Scan = %+v", recs)
	}
	if s := Sum(recs, Namespace, UnicoTokenMints); s != 1 {
		t.Fatalf("Sum = %v", s)
	}
}

func TestEmitDropsBadMetrics(t *testing.T) {
	buf := &logging.SyncBuffer{}
	e := New(buf, Namespace, map[string]string{DimensionStack: "s"})
	e.Emit(Metric{Name: ""}, Metric{Name: "_aws", Value: 1}, Metric{Name: DimensionStack, Value: 1},
		Metric{Name: "nan", Value: math.NaN()}, Metric{Name: "inf", Value: math.Inf(1)})
	if buf.String() != "" {
		t.Fatalf("wrote %q", buf.String())
	}
	e.Emit(Metric{Name: "dup", Value: 1}, Metric{Name: "dup", Value: 2}, Metric{Name: "nan", Value: math.NaN()})
	recs := Scan(buf.String())
	if len(recs) != 1 || len(recs[0].Values) != 1 || recs[0].Values["dup"] != 1 || recs[0].Units["dup"] != "" {
		t.Fatalf("records %+v from %s", recs, buf.String())
	}
	var nilEmitter *Emitter
	nilEmitter.Count("x", 1) // no panic, nothing written
	nilEmitter.SetClock(time.Now)
	New(nil, Namespace, nil).Count("x", 1)
}

func TestConcurrentEmitsKeepLinesWhole(t *testing.T) {
	buf := &logging.SyncBuffer{}
	e := New(buf, Namespace, map[string]string{DimensionStack: "s"})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				e.Count(UnicoTokenMintFailures, 1)
			}
		}()
	}
	wg.Wait()
	recs := Scan(buf.String())
	if len(recs) != 1000 || Sum(recs, Namespace, UnicoTokenMintFailures) != 1000 {
		t.Fatalf("%d records, sum %v", len(recs), Sum(recs, Namespace, UnicoTokenMintFailures))
	}
}

func BenchmarkCount(b *testing.B) {
	e := New(discard{}, Namespace, map[string]string{DimensionStack: "UnicoGateway"})
	b.ReportAllocs()
	for b.Loop() {
		e.Count(UnicoTokenMints, 1)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
