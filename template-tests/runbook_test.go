package templatetests

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRunbookReadsEveryAlarm: docs/runbook.md's alarm table has a row for every alarm the stack
// defines (by the id its name carries), and no row for an alarm that no longer exists.
func TestRunbookReadsEveryAlarm(t *testing.T) {
	raw, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "| `") {
			cell := strings.SplitN(line, "|", 3)[1]
			for _, m := range regexp.MustCompile("`([A-Za-z0-9]+)`").FindAllStringSubmatch(cell, -1) {
				rows = append(rows, m[1])
			}
		}
	}
	documented := map[string]bool{}
	for _, r := range rows {
		documented[r] = true
	}
	hash := regexp.MustCompile(`[0-9A-F]{8}$`)
	defined := map[string]bool{}
	for id := range defaultStack(t).resourcesOfType("AWS::CloudWatch::Alarm") {
		name := hash.ReplaceAllString(id, "")
		defined[name] = true
		if !documented[name] {
			t.Errorf("alarm %s (%s) is not in docs/runbook.md's alarm table", name, id)
		}
	}
	if len(defined) < 18 {
		t.Fatalf("alarms: %v", defined)
	}
	for name := range documented {
		if !defined[name] {
			t.Errorf("docs/runbook.md's alarm table lists %s, which the stack does not define", name)
		}
	}
}
