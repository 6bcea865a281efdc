package main

import (
	"context"
	"errors"
	"os"
	"time"
)

// errParentGone ends the command when the process that started it is gone: a stack whose parent
// dies (a supervisor, a CI step, a terminal killed with SIGKILL) must not outlive it.
var errParentGone = errors.New("the parent process is gone")

// watchParent cancels ctx when the command's parent process changes (it died and the command
// was re-parented). Polling getppid works on every Unix and needs no privilege.
func watchParent(ctx context.Context, cancel context.CancelCauseFunc, every time.Duration) {
	parent := os.Getppid()
	if parent <= 1 {
		return // already an orphan, or started by init: nothing to watch
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if os.Getppid() != parent {
					cancel(errParentGone)
					return
				}
			}
		}
	}()
}
