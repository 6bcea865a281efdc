package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/unicosim"
)

// startLocal starts the whole gateway on loopback (what scripts/run-local.sh runs) with the demo
// tenant's callback URL pointing at this backend, and returns how to reach it. Nothing here is
// needed against a deployment: the stage URL, API key and signing secret come from the stack's
// outputs and secrets instead.
func startLocal(ctx context.Context, callback, logFile string) (gateway, error) {
	var logs io.Writer = io.Discard
	var closeLog func() error
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return gateway{}, err
		}
		logs, closeLog = f, f.Close
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(sctx, devstack.Options{LogOutput: logs,
		Async: devstack.AsyncOptions{Callbacks: map[string]string{"demo": callback}}})
	if err != nil {
		if closeLog != nil {
			_ = closeLog()
		}
		return gateway{}, err
	}
	demo := s.Tenants[0]
	return gateway{
		url: s.APIURL, apiKey: demo.APIKey, signingSecret: s.Async.SigningSecrets[demo.Name],
		// The simulator's control API finishes the journey as the person would (the CPF chose
		// the outcome); Unico's webhook then reaches the gateway.
		person: func(ctx context.Context, id string) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.SimURL+"/__sim/processes/"+id+"/finish", strings.NewReader("{}"))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("the simulator answered %d", res.StatusCode)
			}
			return nil
		},
		stop: func() {
			s.Stop()
			if closeLog != nil {
				_ = closeLog()
			}
		},
	}, nil
}

// scenarioCPF is the simulator's CPF for a scenario name ("" if unknown).
func scenarioCPF(name string) string { return unicosim.ScenarioCPF(name) }
