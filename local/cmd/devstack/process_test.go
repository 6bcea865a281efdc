package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests start the local command as a developer does (bash scripts/run-local.sh, on free
// ports), in a process of its own, and wait for its printed tour.

// started is a running local command: its process, what it printed and where it listens.
type started struct {
	pid     int           // the stack's process (the script exec's the binary)
	lines   chan string   // its stdout, line by line
	printed *bytes.Buffer // everything read from lines so far
	tour    string        // the printed tour (from "Try it" to "Ctrl-C")
	ports   map[string]int
	procs   []int // the stack's process and every descendant, when it was ready
	logFile string
}

var portLine = regexp.MustCompile(`^  (API|DynamoDB|Secrets|Unico sim|Demo backend)\s+http://127\.0\.0\.1:(\d+)`)

// readTour reads the command's stdout until its tour is printed and records its ports and processes.
func readTour(t *testing.T, out io.Reader, pid int, logFile string) *started {
	t.Helper()
	s := &started{pid: pid, lines: make(chan string, 1024), printed: &bytes.Buffer{}, ports: map[string]int{}, logFile: logFile}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	deadline := time.After(3 * time.Minute)
	var tour strings.Builder
	inTour := false
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("the command ended before it was ready:\n%s", s.printed)
			}
			s.printed.WriteString(line + "\n")
			if m := portLine.FindStringSubmatch(line); m != nil {
				s.ports[m[1]], _ = strconv.Atoi(m[2])
			}
			if strings.HasPrefix(line, tourStart) {
				inTour = true
			}
			if strings.HasPrefix(line, tourEnd) {
				s.tour = tour.String()
				if len(s.ports) != 5 {
					t.Fatalf("ports printed: %v\n%s", s.ports, s.printed)
				}
				s.procs = descendants(t, pid)
				return s
			}
			if inTour {
				tour.WriteString(line + "\n")
			}
		case <-deadline:
			t.Fatalf("not ready after 3 minutes:\n%s", s.printed)
		}
	}
}

// checkAllGone waits until none of the stack's processes exists and each of its ports is free.
func (s *started) checkAllGone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var alive []int
		for _, p := range s.procs {
			if processAlive(p) {
				alive = append(alive, p)
			}
		}
		var busy []string
		for name, port := range s.ports {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				busy = append(busy, fmt.Sprintf("%s %d", name, port))
				continue
			}
			ln.Close()
		}
		if len(alive) == 0 && len(busy) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the stop: processes %v still run (%s), ports %v are busy", alive, commands(alive), busy)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRunLocalStopsOnSIGTERM: the printed tour runs as it is printed (every line, in bash) to an
// approved hosted verification and a by-Client decision, the terminal shows friendly lines while
// the JSON logs and metrics go to the log file, and SIGTERM to the command's pid stops
// everything it started: no process of it remains (DynamoDB Local's JVM included) and every
// port it listened on is free.
func TestRunLocalStopsOnSIGTERM(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "devstack.log")
	cmd := exec.Command("bash", "scripts/run-local.sh", "-addr", "127.0.0.1:0", "-sim-addr", "127.0.0.1:0", "-log", logFile)
	cmd.Dir = repoRoot(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := readTour(t, out, cmd.Process.Pid, logFile)
	if len(s.procs) < 2 {
		t.Fatalf("the stack's processes: %v (DynamoDB Local's JVM is missing)", s.procs)
	}
	if !strings.Contains(s.printed.String(), fmt.Sprintf("pid %d)", cmd.Process.Pid)) {
		t.Errorf("the tour does not name the command's pid %d (the script must exec the stack)", cmd.Process.Pid)
	}

	steps := runTour(t, s.tour)
	want := map[string][]string{
		"# 1.":                    {"ID="},
		"# 2.":                    {`"state":"created"`, `"outcome":"pending"`},
		"# 4.":                    {`"state":"finished"`, `"outcome":"approved"`},
		"# another tenant":        {`"code":"process_not_found"`},
		"# by Client":             {`"integration":"by_client"`, `"outcome":"approved"`},
		"# lose a webhook":        {"ID2=", `"state":"PROCESS_STATE_FINISHED"`},
		"# the webhook was recor": {`"events":[`},
	}
	for prefix, parts := range want {
		got, ok := steps[prefix]
		if !ok {
			t.Errorf("the tour has no step %q", prefix)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(got, p) {
				t.Errorf("tour step %q: the output lacks %s:\n%s", prefix, p, got)
			}
		}
	}
	// The terminal: friendly lines only; the log file: the JSON lines and the metrics.
	waitLine(t, s, "demo backend got process.finished for process ")
	term := s.printed.String()
	for _, want := range []string{"POST /v1/processes → 201", "GET /v1/processes/{id} → 200", "webhook from Unico for process "} {
		if !strings.Contains(term, want) {
			t.Errorf("the terminal lacks %q:\n%s", want, term)
		}
	}
	if strings.Contains(term, `"_aws"`) || strings.Contains(term, `"msg":`) {
		t.Errorf("JSON logs or metrics reached the terminal:\n%s", term)
	}
	raw, err := os.ReadFile(logFile)
	if err != nil || !bytes.Contains(raw, []byte(`"_aws"`)) || !bytes.Contains(raw, []byte(`"msg":"request"`)) {
		t.Errorf("the log file lacks the JSON logs and metrics (%v): %.500s", err, raw)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the command exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the command still runs 30 s after SIGTERM")
	}
	s.checkAllGone(t)
}

// TestRunLocalStopsWhenItsParentDies: a shell starts the local command in the background and is
// then killed (SIGKILL: it can forward nothing); the stack notices and stops everything it started.
func TestRunLocalStopsWhenItsParentDies(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "devstack.log")
	parent := exec.Command("bash", "-c", `bash scripts/run-local.sh -addr 127.0.0.1:0 -sim-addr 127.0.0.1:0 -log "$1" & wait`, "parent", logFile)
	parent.Dir = repoRoot(t)
	// A pipe of the test's own (not StdoutPipe, which Wait closes): the stack keeps writing to
	// it after its parent is gone.
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	parent.Stdout, parent.Stderr = w, os.Stderr
	err = parent.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = parent.Process.Kill(); _ = parent.Wait() })
	var stack int
	eventuallyTrue(t, "the parent shell starting the command", func() bool {
		kids := children(parent.Process.Pid)
		if len(kids) == 1 {
			stack = kids[0]
		}
		return stack != 0
	})
	s := readTour(t, out, stack, logFile)
	if !strings.Contains(s.printed.String(), fmt.Sprintf("pid %d)", stack)) {
		t.Fatalf("the stack is not the parent's child %d:\n%s", stack, s.printed)
	}
	t.Cleanup(func() {
		if processAlive(stack) {
			_ = syscall.Kill(stack, syscall.SIGKILL)
		}
	})
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	s.checkAllGone(t)
	waitLine(t, s, "stopping (parent process gone)")
}

// runTour runs the printed tour's lines as they are (indented lines, two spaces removed) in one
// bash with -euo pipefail, and returns each step's output keyed by its first comment line.
func runTour(t *testing.T, tour string) map[string]string {
	t.Helper()
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	var titles []string
	for _, para := range strings.Split(tour, "\n\n") {
		var lines []string
		for _, l := range strings.Split(para, "\n") {
			if rest, ok := strings.CutPrefix(l, "  "); ok {
				lines = append(lines, rest)
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&script, "echo '@@step %d@@'\n%s\n", len(titles), strings.Join(lines, "\n"))
		titles = append(titles, lines[0])
	}
	if len(titles) < 8 {
		t.Fatalf("the tour has only %d steps:\n%s", len(titles), tour)
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the tour failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	steps := map[string]string{}
	for _, part := range strings.Split(stdout.String(), "@@step ")[1:] {
		var n int
		if _, err := fmt.Sscanf(part, "%d@@", &n); err == nil && n < len(titles) {
			for _, prefix := range []string{"# 1.", "# 2.", "# 3.", "# 4.", "# another tenant", "# by Client", "# lose a webhook", "# the webhook was recor"} {
				if strings.HasPrefix(titles[n], prefix) {
					steps[prefix] = part[strings.Index(part, "@@")+2:]
				}
			}
		}
	}
	return steps
}

// waitLine waits until the command has printed a line containing want.
func waitLine(t *testing.T, s *started, want string) {
	t.Helper()
	deadline := time.After(time.Minute)
	for !strings.Contains(s.printed.String(), want) {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("the command ended without printing %q:\n%s", want, s.printed)
			}
			s.printed.WriteString(line + "\n")
		case <-deadline:
			t.Fatalf("no line %q after a minute:\n%s", want, s.printed)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "run-local.sh")); err != nil {
		t.Fatal(err)
	}
	return root
}

// children lists pid's child processes (from /proc: Linux).
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := procStat(p); ok && ppid == pid {
			out = append(out, p)
		}
	}
	return out
}

// descendants is pid and every process below it.
func descendants(t *testing.T, pid int) []int {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Fatal("these tests read the process tree from /proc:", err)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children(out[i])...)
	}
	return out
}

// procStat reads a process's parent and state from /proc/<pid>/stat.
func procStat(pid int) (ppid int, state string, ok bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", false
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	rest := string(raw[bytes.LastIndexByte(raw, ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0, "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0], true
}

// processAlive: the process exists and is not a zombie (exited, waiting to be reaped).
func processAlive(pid int) bool {
	_, state, ok := procStat(pid)
	return ok && state != "Z" && state != "X"
}

func commands(pids []int) string {
	var out []string
	for _, p := range pids {
		raw, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		out = append(out, strings.ReplaceAll(string(raw), "\x00", " "))
	}
	return strings.Join(out, "; ")
}

func eventuallyTrue(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
