// Command notifier is the Lambda function that delivers outbound events to the tenants'
// backends: the first attempt from the table's stream, the retries from a schedule
// (shared/workers.NotifierHandler). Wiring only: shared/gateway builds everything from the
// environment.
package main

import "github.com/unicogw/gateway/shared/gateway"

func main() { gateway.RunNotifier() }
