package logging

import (
	"bytes"
	"log/slog"
	"sync"
)

// SyncBuffer is a mutex-guarded buffer for capturing log output in tests.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset discards everything written so far.
func (b *SyncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// NewCapture returns a debug-level logger built like New, writing to a buffer the test can
// read (typically with FindPII).
func NewCapture() (*slog.Logger, *SyncBuffer) {
	buf := &SyncBuffer{}
	return New(buf, slog.LevelDebug), buf
}
