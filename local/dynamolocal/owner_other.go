//go:build !linux

package dynamolocal

// listenerOwnedBy cannot tell a listener's process without /proc; it trusts
// the readiness probe.
func listenerOwnedBy(pid, port int) (bool, error) { return true, nil }
