// Command tokenrefresher is the scheduled Lambda function that keeps the shared Unico access
// token fresh: the one writer of the token secret (shared/tokenshare). Wiring only.
package main

import "github.com/unicogw/gateway/shared/tokenshare"

func main() { tokenshare.RunLambda() }
