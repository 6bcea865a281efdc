//go:build !unix

package node_test

import "os/exec"

// ownProcessGroup: elsewhere the context kills node itself only.
func ownProcessGroup(*exec.Cmd) {}
