package metrics

// Namespace is the CloudWatch namespace of every gateway metric.
const Namespace = "UnicoGateway"

// DimensionStack is the one dimension every gateway metric carries: the CloudFormation stack
// name (env STACK_NAME), so that two copies of the stack in one account keep apart and the
// stack's alarms watch only their own.
const DimensionStack = "Stack"

// Metric names. The stack's alarms (infra) use the same constants.
const (
	// UnicoTokenMints counts access tokens minted at Unico (any container or the refresher).
	UnicoTokenMints = "UnicoTokenMints"
	// UnicoTokenMintFailures counts failed token requests (authentication or not).
	UnicoTokenMintFailures = "UnicoTokenMintFailures"
	// UnicoAuthCircuitOpen counts openings of the authentication circuit (repeated 1.x.x
	// failures or a 1.2.18 lockout): minting stops for the cool-down. Alarmed.
	UnicoAuthCircuitOpen = "UnicoAuthCircuitOpen"
	// UnicoTokenRefreshes counts shared tokens written by the refresher.
	UnicoTokenRefreshes = "UnicoTokenRefreshes"
	// UnicoTokenRefreshFailures counts refresher runs that needed a new token and could not
	// write one. Alarmed.
	UnicoTokenRefreshFailures = "UnicoTokenRefreshFailures"
	// UnicoSharedTokenSecondsLeft is the shared token's remaining lifetime after each
	// refresher run (a gauge: below the containers' refresh margin, they mint their own).
	UnicoSharedTokenSecondsLeft = "UnicoSharedTokenSecondsLeft"
)

// The second dimension some metrics carry (at most one besides Stack, always from a small set
// the code controls: never request data).
const (
	// DimensionRoute is the route pattern from the route table ("GET /v1/processes/{id}"), or
	// RouteUnmatched.
	DimensionRoute = "Route"
	// DimensionStatus is the class of Unico's answer (StatusClass).
	DimensionStatus = "Status"
	// DimensionOutcome is a final decision's outcome (approved, rejected, retry, review, pending).
	DimensionOutcome = "Outcome"
	// DimensionPriority is the Unico budget's priority of a call (create, followup, read, sweep).
	DimensionPriority = "Priority"
)

// RouteUnmatched is the Route of a request that matched no route (404 from the router).
const RouteUnmatched = "unmatched"

// Request metrics, one record per API request (dimensions Stack, Route).
const (
	// Requests counts requests; Requests4xx and Requests5xx count those answered 4xx and 5xx
	// (0 or 1 in every record, so Sum/SampleCount is the rate).
	Requests    = "Requests"
	Requests4xx = "Requests4xx"
	Requests5xx = "Requests5xx"
	// RequestLatency is the time the function spent on the request, in milliseconds.
	RequestLatency = "RequestLatency"
)

// Unico call metrics, one record per HTTP exchange with Unico (dimensions Stack, Status).
const (
	UnicoCalls       = "UnicoCalls"
	UnicoCallLatency = "UnicoCallLatency" // milliseconds
)

// The fleet's Unico budget (shared/unicobudget), dimensions Stack, Priority.
const (
	// UnicoBudgetPermits counts permits; UnicoBudgetWait is the time each waited for its slot
	// (milliseconds; 0 for a free slot).
	UnicoBudgetPermits = "UnicoBudgetPermits"
	UnicoBudgetWait    = "UnicoBudgetWait"
	// UnicoBudgetExhausted counts calls refused because no slot came within their priority's
	// wait (alarmed for creates).
	UnicoBudgetExhausted = "UnicoBudgetExhausted"
	// UnicoBudgetPaused counts Unico's 429s that paused the budget (dimension Stack only).
	UnicoBudgetPaused = "UnicoBudgetPaused"
)

// Status classes of Unico's answers (the Status dimension of UnicoCalls).
const (
	Status2xx     = "2xx"
	Status401     = "401" // the token was refused: the client refreshes it and retries once
	Status429     = "429" // Unico throttled us (alarmed)
	Status4xx     = "4xx" // any other 4xx
	Status5xx     = "5xx"
	StatusNetwork = "network" // no HTTP answer: connection refused, reset, timeout
	StatusOther   = "other"   // 1xx/3xx (not expected from Unico)
)

// StatusClass maps an HTTP status (0: no answer) to its Status dimension value.
func StatusClass(status int) string {
	switch {
	case status == 0:
		return StatusNetwork
	case status == 401:
		return Status401
	case status == 429:
		return Status429
	case status >= 200 && status <= 299:
		return Status2xx
	case status >= 400 && status <= 499:
		return Status4xx
	case status >= 500 && status <= 599:
		return Status5xx
	}
	return StatusOther
}

// Domain metrics.
const (
	// Decisions counts processes reaching a final decision (dimensions Stack, Outcome).
	Decisions = "Decisions"
	// Reviews counts a person's decisions on processes in review (POST /v1/processes/{id}/review),
	// by the person's outcome, approved or rejected (dimensions Stack, Outcome).
	Reviews = "Reviews"
	// WebhookLag is the time from Unico finishing a process (its finishedAt) to the worker
	// recording the final state that Unico's webhook announced, in milliseconds (dimension Stack).
	WebhookLag = "WebhookLag"
)
