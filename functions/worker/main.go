// Command worker is the Lambda function that brings processes up to date after Unico's
// webhooks: the table's stream delivers every recorded delivery (shared/workers.Worker).
// Wiring only: shared/gateway builds everything from the environment.
package main

import "github.com/unicogw/gateway/shared/gateway"

func main() { gateway.RunWorker() }
