package docs_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/unicogw/gateway/local/unicosim"
)

// TestSimulatorScenarioTables: docs/simulator.md lists exactly the simulator's scenarios, by
// Unico and by Client, in its order, with their CPFs and what each answers.
func TestSimulatorScenarioTables(t *testing.T) {
	raw, err := os.ReadFile("simulator.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\| `(\\d{11})` \\| (.+) \\|$")
	var got []unicosim.Scenario
	integration := ""
	for _, line := range regexp.MustCompile(`\n`).Split(string(raw), -1) {
		switch line {
		case "## By Unico (hosted journey)":
			integration = "by Unico"
		case "## By Client (SDK selfie)":
			integration = "by Client"
		}
		if m := row.FindStringSubmatch(line); m != nil {
			got = append(got, unicosim.Scenario{Name: m[1], CPF: m[2], Integration: integration, Description: m[3]})
		}
	}
	want := unicosim.ScenarioTable()
	if len(got) != len(want) {
		t.Fatalf("docs/simulator.md lists %d scenarios, the simulator has %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("docs/simulator.md row %d: %+v, the simulator has %+v", i+1, got[i], want[i])
		}
	}
}

// TestSimulatorReviewTable: docs/simulator.md's review table is the simulator's ReviewScenarios,
// row for row.
func TestSimulatorReviewTable(t *testing.T) {
	raw, err := os.ReadFile("simulator.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\| (by Unico|by Client) \\| `([A-Za-z0-9]+)` \\| `([a-z_]+)` \\| (.+) \\|$")
	var got []unicosim.ReviewScenario
	for _, m := range row.FindAllStringSubmatch(string(raw), -1) {
		got = append(got, unicosim.ReviewScenario{Scenario: m[1], Integration: m[2], Flow: m[3], Reason: m[4], Description: m[5]})
	}
	want := unicosim.ReviewScenarios()
	if len(got) != len(want) {
		t.Fatalf("docs/simulator.md lists %d review scenarios, the simulator has %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("docs/simulator.md review row %d: %+v, the simulator has %+v", i+1, got[i], want[i])
		}
	}
}
