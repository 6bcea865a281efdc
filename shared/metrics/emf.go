// Package metrics writes CloudWatch metrics in the embedded metric format (EMF): one JSON object
// per line on the function's standard output, which Lambda ships to CloudWatch Logs and
// CloudWatch Logs turns into metrics. There is no CloudWatch API call on the request path and no
// extra IAM permission: the function only writes a line.
//
// Values are numbers and dimension values are configuration (the stack name), never request
// data: nothing personal or secret can reach a metric.
package metrics

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// Units used by the gateway.
const (
	Count        Unit = "Count"
	Seconds      Unit = "Seconds"
	Milliseconds Unit = "Milliseconds"
	None         Unit = "None"
)

// Metric is one value.
type Metric struct {
	Name  string
	Value float64
	Unit  Unit
}

// Emitter writes EMF lines to one writer with one namespace and one set of dimensions. A nil
// *Emitter is valid and writes nothing, so optional metrics need no nil checks at call sites.
// It is safe for concurrent use; each Emit is one Write of one line.
type Emitter struct {
	w         io.Writer
	namespace string
	dimKeys   []string // sorted
	dims      map[string]string
	now       func() time.Time

	mu sync.Mutex
}

// New returns an Emitter writing to w (in Lambda, os.Stdout) under namespace, every metric
// carrying dimensions (e.g. {"Stack": "UnicoGateway"}). Keep dimensions few and constant:
// CloudWatch bills each distinct combination as a metric.
func New(w io.Writer, namespace string, dimensions map[string]string) *Emitter {
	e := &Emitter{w: w, namespace: namespace, dims: map[string]string{}, now: time.Now}
	for k, v := range dimensions {
		e.dims[k] = v
		e.dimKeys = append(e.dimKeys, k)
	}
	slices.Sort(e.dimKeys)
	return e
}

// SetClock replaces time.Now for the records' timestamps (tests, simulated time). Call it
// before the Emitter is used.
func (e *Emitter) SetClock(now func() time.Time) {
	if e != nil && now != nil {
		e.now = now
	}
}

// Count emits one Count metric.
func (e *Emitter) Count(name string, n float64) { e.Emit(Metric{Name: name, Value: n, Unit: Count}) }

// Emit writes one EMF record holding every metric. Metrics whose name is empty, collides with a
// dimension or "_aws", or whose value is not finite are dropped (a metric must never break the
// caller). Write errors are ignored for the same reason.
func (e *Emitter) Emit(ms ...Metric) { e.emit("", "", ms) }

// EmitDim is Emit with one more dimension on this record only: key (e.g. DimensionRoute) with
// value, which must come from a small set the caller controls (a route pattern, a status class,
// a decision outcome), never from request data. A value that is empty, longer than
// MaxDimensionValue or not plain printable ASCII is replaced by "other", so a mistake can never
// put arbitrary text into a metric. A key that is empty or collides with a base dimension
// makes the record go without it.
func (e *Emitter) EmitDim(key, value string, ms ...Metric) {
	if key == "" || key == "_aws" {
		key, value = "", ""
	} else if e != nil {
		if _, clash := e.dims[key]; clash {
			key, value = "", ""
		}
	}
	if key != "" && !safeDimensionValue(value) {
		value = OtherValue
	}
	e.emit(key, value, ms)
}

// MaxDimensionValue is the longest value EmitDim accepts (longer values become OtherValue).
const MaxDimensionValue = 64

// OtherValue replaces a dimension value EmitDim refuses.
const OtherValue = "other"

func safeDimensionValue(v string) bool {
	if v == "" || len(v) > MaxDimensionValue {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (e *Emitter) emit(extraKey, extraValue string, ms []Metric) {
	if e == nil || e.w == nil || len(ms) == 0 {
		return
	}
	ok := ms[:0:0]
	for _, m := range ms {
		if m.Name == "" || m.Name == "_aws" || m.Name == extraKey || math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
			continue
		}
		if _, clash := e.dims[m.Name]; clash || slices.ContainsFunc(ok, func(o Metric) bool { return o.Name == m.Name }) {
			continue
		}
		ok = append(ok, m)
	}
	if len(ok) == 0 {
		return
	}
	b := make([]byte, 0, 512)
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, e.now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = appendString(b, e.namespace)
	b = append(b, `,"Dimensions":[[`...)
	for i, k := range e.dimKeys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
	}
	if extraKey != "" {
		if len(e.dimKeys) > 0 {
			b = append(b, ',')
		}
		b = appendString(b, extraKey)
	}
	b = append(b, `]],"Metrics":[`...)
	for i, m := range ok {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":`...)
		b = appendString(b, m.Name)
		if m.Unit != "" {
			b = append(b, `,"Unit":`...)
			b = appendString(b, string(m.Unit))
		}
		b = append(b, '}')
	}
	b = append(b, `]}]}`...)
	for _, k := range e.dimKeys {
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, e.dims[k])
	}
	if extraKey != "" {
		b = append(b, ',')
		b = appendString(b, extraKey)
		b = append(b, ':')
		b = appendString(b, extraValue)
	}
	for _, m := range ok {
		b = append(b, ',')
		b = appendString(b, m.Name)
		b = append(b, ':')
		b = strconv.AppendFloat(b, m.Value, 'g', -1, 64)
	}
	b = append(b, "}\n"...)
	e.mu.Lock()
	_, _ = e.w.Write(b)
	e.mu.Unlock()
}

func appendString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plain { // the common case (names, route patterns): no escaping, no allocation
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// Record is one parsed EMF record (see Scan).
type Record struct {
	Timestamp  time.Time
	Namespace  string
	Dimensions map[string]string  // the first dimension set's keys and their values
	Values     map[string]float64 // metric name -> value
	Units      map[string]Unit
}

// Scan parses the EMF records in output (log lines mixed with EMF lines; other lines are
// skipped). For tests and local tooling.
func Scan(output string) []Record {
	var out []Record
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") || !strings.Contains(line, `"_aws"`) {
			continue
		}
		var raw map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &raw) != nil {
			continue
		}
		var meta struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct {
					Name string
					Unit Unit
				}
			}
		}
		if json.Unmarshal(raw["_aws"], &meta) != nil || len(meta.CloudWatchMetrics) == 0 {
			continue
		}
		d := meta.CloudWatchMetrics[0]
		r := Record{Timestamp: time.UnixMilli(meta.Timestamp), Namespace: d.Namespace,
			Dimensions: map[string]string{}, Values: map[string]float64{}, Units: map[string]Unit{}}
		if len(d.Dimensions) > 0 {
			for _, k := range d.Dimensions[0] {
				var v string
				_ = json.Unmarshal(raw[k], &v)
				r.Dimensions[k] = v
			}
		}
		for _, m := range d.Metrics {
			var v float64
			if json.Unmarshal(raw[m.Name], &v) == nil {
				r.Values[m.Name] = v
				r.Units[m.Name] = m.Unit
			}
		}
		out = append(out, r)
	}
	return out
}

// Sum adds up metric name over records (in namespace, when namespace is not empty).
func Sum(records []Record, namespace, name string) float64 {
	var s float64
	for _, r := range records {
		if namespace == "" || r.Namespace == namespace {
			s += r.Values[name]
		}
	}
	return s
}
