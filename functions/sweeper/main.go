// Command sweeper is the scheduled Lambda function that asks Unico about open processes whose
// webhook is late or lost (shared/workers.Sweeper). Wiring only: shared/gateway builds
// everything from the environment.
package main

import "github.com/unicogw/gateway/shared/gateway"

func main() { gateway.RunSweeper() }
