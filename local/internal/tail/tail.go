// Package tail keeps the end of a process's output: the local servers' starters show it when a
// server fails, without holding everything a long-running process ever printed.
package tail

import "sync"

// Buffer keeps the last Max bytes written to it; it is safe for concurrent use.
type Buffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

// New returns a buffer keeping the last max bytes.
func New(max int) *Buffer { return &Buffer{max: max} }

func (t *Buffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *Buffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
