// Command get is the Lambda function serving the gateway's "get" routes (the route table
// is shared/httpapi/routes.go). Wiring only: shared/gateway builds everything from the
// environment.
package main

import (
	"github.com/unicogw/gateway/shared/gateway"
	"github.com/unicogw/gateway/shared/httpapi"
)

func main() { gateway.RunLambda(httpapi.FunctionGet) }
