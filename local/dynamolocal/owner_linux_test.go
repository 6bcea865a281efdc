//go:build linux

package dynamolocal

import (
	"net"
	"os"
	"testing"
)

// TestListenerOwnedBy: readiness needs the port's listener to be the JVM's own, not any server
// that answers there.
func TestListenerOwnedBy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if ok, err := listenerOwnedBy(os.Getpid(), port); !ok || err != nil {
		t.Fatalf("own listener: %v %v", ok, err)
	}
	if ok, _ := listenerOwnedBy(os.Getppid(), port); ok {
		t.Fatal("the parent process does not own this listener")
	}
	l.Close()
	if ok, _ := listenerOwnedBy(os.Getpid(), port); ok {
		t.Fatal("a closed listener is still owned")
	}
}
