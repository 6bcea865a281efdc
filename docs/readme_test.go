package docs_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func readme(t *testing.T) string { return page(t, "../README.md") }

func page(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// section returns the page from the heading that starts with title to the next heading of the
// same or a higher level.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	i := strings.Index("\n"+doc, "\n"+title)
	if i < 0 {
		t.Fatalf("no section %q", title)
	}
	level := strings.Index(title, " ")
	rest := doc[i:]
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} `).FindAllStringIndex(rest, -1) {
		if m[0] > 0 && m[1]-1 <= level {
			return rest[:m[0]]
		}
	}
	return rest
}

// TestREADMENamesEveryMakeCommandInOrder: in docs/sam-and-localstack.md (linked from the README), each
// `make <target>` is followed by the commands it runs (`#   = a && b`, `#     c`), and they are
// exactly what `make -n` runs, in order (prerequisites included).
func TestREADMENamesEveryMakeCommandInOrder(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Fatal("make is needed to expand the Makefile's targets:", err)
	}
	part := section(t, page(t, "sam-and-localstack.md"), "# Running in SAM or LocalStack")
	targets := map[string]bool{}
	lines := strings.Split(part, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if !strings.HasPrefix(line, "make ") {
			continue
		}
		args := strings.Fields(line)[1:]
		targets[args[0]] = true
		var documented []string
		var cur string
		for j := i + 1; j < len(lines); j++ {
			l := lines[j]
			switch {
			case j == i+1 && strings.HasPrefix(l, "#   = "):
				cur = strings.TrimPrefix(l, "#   = ")
			case j > i+1 && strings.HasPrefix(l, "#     "):
				cur = strings.TrimPrefix(l, "#     ")
			default:
				j = len(lines)
				continue
			}
			for strings.HasSuffix(cur, "\\") && j+1 < len(lines) {
				j++
				cur = strings.TrimSuffix(cur, "\\") + " " + strings.TrimSpace(strings.TrimPrefix(lines[j], "#"))
			}
			for _, c := range strings.Split(cur, " && ") {
				documented = append(documented, strings.Join(strings.Fields(c), " "))
			}
		}
		cmd := exec.Command(mk, append([]string{"-n", "-C", ".."}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("make -n %s: %v", strings.Join(args, " "), err)
			continue
		}
		var ran []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" && !strings.HasPrefix(l, "make[") && !strings.HasPrefix(l, "make:") {
				ran = append(ran, l)
			}
		}
		if strings.Join(documented, "\n") != strings.Join(ran, "\n") {
			t.Errorf("sam-and-localstack.md: `make %s` is documented as\n  %s\nbut runs\n  %s", strings.Join(args, " "),
				strings.Join(documented, "\n  "), strings.Join(ran, "\n  "))
		}
	}
	for _, want := range []string{"sam-stack", "sam-api", "sam-invoke", "localstack-deploy", "localstack-destroy"} {
		if !targets[want] {
			t.Errorf("docs/sam-and-localstack.md does not show `make %s`", want)
		}
	}
}

// TestREADMENamesEveryContextKey: docs/configuration.md's context-key table (linked from the
// README's "Deploying") names every context key the CDK app reads (infra/props.go, infra/app),
// and infra/props.go documents each of them.
func TestREADMENamesEveryContextKey(t *testing.T) {
	props, err := os.ReadFile("../infra/props.go")
	if err != nil {
		t.Fatal(err)
	}
	app, err := os.ReadFile("../infra/app/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`\bget\("(\w+)"`).FindAllStringSubmatch(string(props), -1) {
		keys = append(keys, m[1])
	}
	for _, m := range regexp.MustCompile(`TryGetContext\(jsii\.String\("(\w+)"\)\)`).FindAllStringSubmatch(string(app), -1) {
		keys = append(keys, m[1])
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d context keys: the pattern no longer matches the code", len(keys))
	}
	deploying := section(t, page(t, "configuration.md"), "## The stack's context keys")
	documented := regexp.MustCompile(`(?m)^//\t(\w+)\s`)
	inProps := map[string]bool{}
	for _, m := range documented.FindAllStringSubmatch(string(props), -1) {
		inProps[m[1]] = true
	}
	for _, k := range keys {
		if !strings.Contains(deploying, "`"+k+"`") {
			t.Errorf("docs/configuration.md's context keys do not name %s", k)
		}
		if !inProps[k] {
			t.Errorf("infra/props.go does not document the context key %s", k)
		}
	}
}

// TestREADMEKeepsTheTwoCommands: the README's first section still gives the two commands.
func TestREADMEKeepsTheTwoCommands(t *testing.T) {
	two := section(t, readme(t), "## The two commands")
	for _, c := range []string{"```sh\nbash scripts/run-local.sh\n```", "```sh\nbash scripts/test.sh\n```"} {
		if !strings.Contains(two, c) {
			t.Errorf("the README's two commands lost %q", c)
		}
	}
}

// TestREADMEServesNewcomersFirst: the README's first screen says who it is for, gives the two
// commands and the time to ready; then come Integrating (app-backend engineers), Operating and
// Troubleshooting, in that order, with no internals before Integrating (they live in docs/); and
// every page it links to exists.
func TestREADMEServesNewcomersFirst(t *testing.T) {
	doc := readme(t)
	lines := strings.Split(doc, "\n")
	if len(lines) > 250 {
		t.Errorf("README has %d lines: internals belong in docs/", len(lines))
	}
	first := strings.Join(lines[:min(len(lines), 40)], "\n")
	for _, want := range []string{"App-backend engineers", "Operators", "## The two commands", "bash scripts/run-local.sh",
		"bash scripts/test.sh", "ready in about"} {
		if !strings.Contains(first, want) {
			t.Errorf("README's first screen (40 lines) lacks %q", want)
		}
	}
	var headings []string
	for _, m := range regexp.MustCompile("(?m)^## (.+)$").FindAllStringSubmatch(doc, -1) {
		headings = append(headings, m[1])
	}
	if got := strings.Join(headings, " | "); got != "The two commands | Integrating | Operating | Troubleshooting | More" {
		t.Errorf("README's sections: %s", got)
	}
	troubleshooting := section(t, doc, "## Troubleshooting")
	for _, want := range []string{"-addr", "-sim-addr", "Java", "Stopping", "What a terminal line means"} {
		if !strings.Contains(troubleshooting, want) {
			t.Errorf("Troubleshooting lacks %q", want)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`).FindAllStringSubmatch(doc, -1) {
		if strings.HasPrefix(m[1], "http") {
			continue
		}
		if _, err := os.Stat("../" + m[1]); err != nil {
			t.Errorf("README links to %s, which does not exist", m[1])
		}
	}
	arch := page(t, "architecture.md")
	for _, want := range []string{"## The whole system", "DynamoDB Streams, not SQS", "the token design", "## Repository layout"} {
		if !strings.Contains(arch, want) {
			t.Errorf("docs/architecture.md lacks %q", want)
		}
	}
}
