//go:build !linux

package dynamolocal

import "os/exec"

func setProcAttr(cmd *exec.Cmd) {}
