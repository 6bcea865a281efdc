package httpapi

import (
	"time"

	"github.com/unicogw/gateway/shared/metrics"
)

// requestMetrics writes one EMF record per request: Requests, Requests4xx, Requests5xx (0 or 1,
// so their sums over Requests are the error rates) and RequestLatency, with the Route dimension
// set to the route's pattern from the route table ("GET /v1/processes/{id}": never the concrete
// path, which holds an id) or metrics.RouteUnmatched. Nothing else of the request goes into it.
func (a *API) requestMetrics(pattern string, status int, elapsed time.Duration) {
	if a.metrics == nil {
		return
	}
	route := pattern
	if route == "" || route == "/" { // "/" is the catch-all that answers route_not_found
		route = metrics.RouteUnmatched
	}
	if status == 0 {
		status = 200 // a handler that wrote nothing answered 200
	}
	var c4, c5 float64
	switch {
	case status >= 500:
		c5 = 1
	case status >= 400:
		c4 = 1
	}
	a.metrics.EmitDim(metrics.DimensionRoute, route,
		metrics.Metric{Name: metrics.Requests, Value: 1, Unit: metrics.Count},
		metrics.Metric{Name: metrics.Requests4xx, Value: c4, Unit: metrics.Count},
		metrics.Metric{Name: metrics.Requests5xx, Value: c5, Unit: metrics.Count},
		metrics.Metric{Name: metrics.RequestLatency, Value: float64(elapsed.Microseconds()) / 1000, Unit: metrics.Milliseconds})
}
