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
