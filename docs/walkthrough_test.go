package docs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/unicogw/gateway/local/devstack"
	"github.com/unicogw/gateway/local/dynamolocal"
	"github.com/unicogw/gateway/local/dynamolocal/dynamolocaltest"
	"github.com/unicogw/gateway/shared/logging"
)

var ddb *dynamolocal.Server

func TestMain(m *testing.M) { os.Exit(dynamolocaltest.Main(m, &ddb)) }

// shBlock is one ```sh block of a markdown page.
type shBlock struct {
	line   int    // where it starts
	marker string // the <!-- walkthrough:... --> comment right before it, if any
	text   string
}

var markerRe = regexp.MustCompile(`^<!-- walkthrough:(\w+)`)

func shBlocks(t *testing.T, path string) []shBlock {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []shBlock
	var cur *shBlock
	marker := ""
	for i, line := range strings.Split(string(raw), "\n") {
		switch {
		case cur == nil && line == "```sh":
			cur = &shBlock{line: i + 1, marker: marker}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		default:
			if m := markerRe.FindStringSubmatch(line); m != nil {
				marker = m[1]
			} else if strings.TrimSpace(line) != "" {
				marker = ""
			}
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: unterminated block", path, cur.line)
	}
	return out
}

// expectations are the parts of each "# → a … b" line of a block.
func expectations(block string) []string {
	var out []string
	for _, line := range strings.Split(block, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "# → "); ok {
			for _, part := range strings.Split(rest, " … ") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

// TestWalkthrough runs docs/walkthrough.md against a fresh local stack: every ```sh block in
// order, in one bash with -euo pipefail, the variables block replaced by the stack's addresses,
// and each block's output checked against its "# →" lines.
func TestWalkthrough(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to run the walkthrough:", err)
	}
	for _, tool := range []string{"curl", "base64", "grep", "sed", "tr", "tee", "seq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walkthrough uses %s, which is not installed: %v", tool, err)
		}
	}
	blocks := shBlocks(t, "walkthrough.md")
	var env *shBlock
	for i := range blocks {
		if blocks[i].marker == "env" {
			env = &blocks[i]
		}
	}
	if env == nil {
		t.Fatal("walkthrough.md has no <!-- walkthrough:env --> block")
	}
	for _, v := range []string{"API", "KEY", "OTHER", "SIM", "RECEIVER"} {
		if !regexp.MustCompile(`(?m)^` + v + `=`).MatchString(env.text) {
			t.Errorf("the variables block does not set %s", v)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var logs logging.SyncBuffer
	s, err := devstack.Start(ctx, devstack.Options{DynamoEndpoint: ddb.Endpoint(), LogOutput: &logs,
		Async: devstack.AsyncOptions{SweepEvery: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()

	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	ran := 0
	for i, b := range blocks {
		if b.marker == "skip" || b.marker == "env" {
			continue
		}
		ran++
		fmt.Fprintf(&script, "echo '@@block %d@@'\n%s", i, b.text)
	}
	if ran < 15 {
		t.Fatalf("only %d blocks to run: the page lost its commands", ran)
	}
	cmd := exec.CommandContext(ctx, bash, "-c", script.String())
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "API="+s.APIURL, "KEY="+s.Tenants[0].APIKey, "OTHER="+s.Tenants[1].APIKey,
		"SIM="+s.SimURL, "RECEIVER="+s.Async.Receiver.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	outputs := map[int]string{}
	for _, part := range strings.Split(stdout.String(), "@@block ")[1:] {
		var n int
		if _, err := fmt.Sscanf(part, "%d@@", &n); err == nil {
			outputs[n] = part[strings.Index(part, "@@")+2:]
		}
	}
	for i, b := range blocks {
		if b.marker == "skip" || b.marker == "env" {
			continue
		}
		got, ran := outputs[i]
		if !ran {
			t.Errorf("walkthrough.md:%d: the block did not run (an earlier block failed)", b.line)
			continue
		}
		for _, want := range expectations(b.text) {
			if !strings.Contains(got, want) {
				t.Errorf("walkthrough.md:%d: the output lacks %q:\n%s", b.line, want, got)
			}
		}
	}
	if runErr != nil {
		t.Errorf("the walkthrough failed: %v\nstderr:\n%s", runErr, stderr.String())
	}
	// What the walkthrough sends never reaches the gateway's logs.
	if found := logging.FindPII(logs.String(), "Maria Silva", "maria@example.com", "10000000108", "20000000108",
		"20000000370", "20000001260", s.Tenants[0].APIKey); len(found) > 0 {
		t.Errorf("personal data or keys in the gateway's logs: %v", found)
	}
	if t.Failed() {
		io.Copy(os.Stderr, strings.NewReader("gateway logs (last 4 KB):\n"+tail(logs.String(), 4096)+"\n"))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
