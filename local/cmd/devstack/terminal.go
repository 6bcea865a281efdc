package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// terminal keeps the terminal readable: every JSON log line and metric of the functions goes
// to the log file in full, and a few of them (requests, webhooks, decisions, outbound events,
// warnings and errors) also reach the terminal as one short line each.
type terminal struct {
	mu   sync.Mutex
	file io.Writer // every line, as CloudWatch Logs would get it
	out  io.Writer // the friendly lines
	buf  []byte
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.file.Write(p); err != nil {
		return 0, err
	}
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		if line := friendlyLine(t.buf[:i]); line != "" {
			fmt.Fprintln(t.out, line)
		}
		t.buf = t.buf[i+1:]
	}
	return len(p), nil
}

// friendlyLine is the terminal's version of one JSON log line, or "" for lines that stay in the
// file only (metrics, token bookkeeping, debug lines).
func friendlyLine(raw []byte) string {
	var r map[string]any
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	if _, metric := r["_aws"]; metric {
		return ""
	}
	str := func(k string) string { s, _ := r[k].(string); return s }
	num := func(k string) float64 { f, _ := r[k].(float64); return f }
	short := func(id string) string {
		if len(id) > 8 {
			return id[:8] + "…"
		}
		return id
	}
	at := ""
	if ts, err := time.Parse(time.RFC3339Nano, str("time")); err == nil {
		at = ts.Local().Format("15:04:05") + "  "
	}
	msg, level := str("msg"), str("level")
	switch {
	case msg == "request":
		tenant := ""
		if t := str("tenant"); t != "" {
			tenant = ", tenant " + t
		}
		return fmt.Sprintf("%s%s %s → %d (%.0f ms%s)", at, str("method"), strings.TrimPrefix(str("route"), str("method")+" "), int(num("status")), num("durationMs"), tenant)
	case msg == "webhook recorded":
		return fmt.Sprintf("%swebhook from Unico for process %s: %s", at, short(str("processId")), str("outcome"))
	case msg == "process final":
		by := ""
		if b, _ := r["sweeper"].(bool); b {
			by = " (closed by the sweeper)"
		}
		return fmt.Sprintf("%sdecision: process %s %s, %s%s", at, short(str("processId")), str("state"), str("outcome"), by)
	case msg == "outbound event delivered":
		return fmt.Sprintf("%sevent for process %s delivered to tenant %s (attempt %d)", at, short(str("processId")), str("tenant"), int(num("attempt")))
	case msg == "demo receiver: event received, signature valid":
		return fmt.Sprintf("%sdemo backend got %s for process %s (%s), signature valid", at, str("type"), short(str("processId")), str("outcome"))
	case strings.HasPrefix(msg, "demo receiver: "):
		return fmt.Sprintf("%sdemo backend: %s", at, strings.TrimPrefix(msg, "demo receiver: "))
	case level == "WARN" || level == "ERROR":
		return fmt.Sprintf("%s%s %s (details in the log file)", at, level, msg)
	}
	return ""
}
