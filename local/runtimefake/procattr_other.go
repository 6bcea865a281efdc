//go:build !linux

package runtimefake

import "os/exec"

func setProcAttr(cmd *exec.Cmd) {}
