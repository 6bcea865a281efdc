// Command echofn is a test Lambda function for runtimefake: it echoes its
// JSON input, except for a few control inputs:
//
//	{"fail": "msg"}     returns an error with message msg
//	{"panic": "msg"}    panics (aws-lambda-go reports it, then exits)
//	{"exit": n}         exits the process with status n mid-invocation
//	{"env": "NAME"}     returns {"value": $NAME}
//	{"context": true}   returns the request id, function ARN and deadline
//
// With ECHOFN_INIT_ERROR set it reports that message to /runtime/init/error
// and exits 1 instead of serving.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type control struct {
	Fail    *string `json:"fail"`
	Panic   *string `json:"panic"`
	Exit    *int    `json:"exit"`
	Env     *string `json:"env"`
	Context bool    `json:"context"`
}

func handle(ctx context.Context, in json.RawMessage) (any, error) {
	var c control
	if json.Unmarshal(in, &c) == nil {
		switch {
		case c.Fail != nil:
			return nil, errors.New(*c.Fail)
		case c.Panic != nil:
			panic(*c.Panic)
		case c.Exit != nil:
			os.Exit(*c.Exit)
		case c.Env != nil:
			return map[string]string{"value": os.Getenv(*c.Env)}, nil
		case c.Context:
			lc, _ := lambdacontext.FromContext(ctx)
			dl, _ := ctx.Deadline()
			return map[string]any{"requestId": lc.AwsRequestID, "functionArn": lc.InvokedFunctionArn,
				"deadline": dl.Format(time.RFC3339Nano)}, nil
		}
	}
	return in, nil
}

func main() {
	if msg := os.Getenv("ECHOFN_INIT_ERROR"); msg != "" {
		body, _ := json.Marshal(map[string]string{"errorType": "Runtime.InitTest", "errorMessage": msg})
		resp, err := http.Post("http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error",
			"application/json", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	lambda.Start(handle)
}
