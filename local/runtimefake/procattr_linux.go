//go:build linux

package runtimefake

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill the function if the process that
// started it dies without calling Stop (for example a test binary killed on
// timeout).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
