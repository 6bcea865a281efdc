package docs_test

import (
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var (
	codeRowRe  = regexp.MustCompile("^\\| `([A-Za-z0-9_]+)` \\|([^|]*)\\|")
	unicoRowRe = regexp.MustCompile("^\\| (\\d{5}) \\| `([a-z0-9_]+)`")
	authRowRe  = regexp.MustCompile(`^\| (1\.\d+\.\d+) \|([^|]*)\|([^|]*)\|`)
	statusRe   = regexp.MustCompile(`\b[1-5]\d\d\b|\b[45]xx\b`)
)

// unicoAuthCodes are the authentication codes Unico documents (reference §2.6).
var unicoAuthCodes = []string{"1.0.1", "1.0.14", "1.1.1", "1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.11", "1.2.14",
	"1.2.18", "1.2.19", "1.2.20", "1.2.21", "1.2.22", "1.3.1", "1.3.2"}

// TestErrorCodesDocumented: docs/errors.md documents exactly the stable codes the gateway can
// answer (scanned from shared/ and infra/), each once, with the HTTP status its error kind maps
// to; Unico's by-Client codes with the gateway code they become; and every Unico authentication
// code (those Unico documents and those the code and the simulator know) with what to do.
func TestErrorCodesDocumented(t *testing.T) {
	raw, err := os.ReadFile("errors.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{} // code → status cell
	unicoRows := map[string]string{}
	authRows := map[string]bool{}
	for i, line := range strings.Split(string(raw), "\n") {
		if m := codeRowRe.FindStringSubmatch(line); m != nil {
			if _, dup := documented[m[1]]; dup {
				t.Errorf("errors.md:%d: %s is documented twice", i+1, m[1])
			}
			documented[m[1]] = m[2]
		}
		if m := unicoRowRe.FindStringSubmatch(line); m != nil {
			unicoRows[m[1]] = m[2]
		}
		if m := authRowRe.FindStringSubmatch(line); m != nil {
			if strings.TrimSpace(m[2]) == "" || strings.TrimSpace(m[3]) == "" {
				t.Errorf("errors.md:%d: auth code %s needs its meaning and what the operator does", i+1, m[1])
			}
			authRows[m[1]] = true
		}
	}

	src := scanCodes(t, "..", "shared", "infra")
	if len(src.problems) > 0 {
		t.Errorf("the scanner cannot see every code:\n  %s", strings.Join(src.problems, "\n  "))
	}
	if len(src.codes) < 100 {
		t.Fatalf("the scanner found only %d codes: it no longer understands the sources", len(src.codes))
	}
	for _, code := range src.sortedCodes() {
		info := src.codes[code]
		cell, ok := documented[code]
		if !ok {
			t.Errorf("%s (%s) is not documented in docs/errors.md", code, strings.Join(info.where, ", "))
			continue
		}
		docStatuses := map[string]bool{}
		for _, s := range statusRe.FindAllString(cell, -1) {
			docStatuses[s] = true
		}
		if len(docStatuses) == 0 {
			t.Errorf("errors.md: %s has no HTTP status (%q)", code, cell)
		}
		for st := range info.statuses {
			if !docStatuses[strconv.Itoa(st)] && !docStatuses[strconv.Itoa(st/100)+"xx"] {
				t.Errorf("errors.md: %s is answered with %d (%s), the doc says %q", code, st, strings.Join(info.where, ", "), strings.TrimSpace(cell))
			}
		}
	}
	var stale []string
	for code := range documented {
		if _, ok := src.codes[code]; !ok {
			stale = append(stale, code)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("docs/errors.md documents codes the gateway no longer answers: %v", stale)
	}

	for unicoCode, ours := range src.unicoCodes {
		if got, ok := unicoRows[unicoCode]; !ok {
			t.Errorf("errors.md: Unico's code %s (answered as %s) is not in the by-Client table", unicoCode, ours)
		} else if got != ours {
			t.Errorf("errors.md: Unico's code %s is answered as %s, the table says %s", unicoCode, ours, got)
		}
	}
	for unicoCode := range unicoRows {
		if _, ok := src.unicoCodes[unicoCode]; !ok {
			t.Errorf("errors.md lists Unico's code %s, which the gateway does not map", unicoCode)
		}
	}

	sim := scanCodes(t, "..", "local/unicosim")
	want := map[string]string{}
	for _, c := range unicoAuthCodes {
		want[c] = "Unico's documentation (reference §2.6)"
	}
	for c, where := range src.authCodes {
		want[c] = where
	}
	for c, where := range sim.authCodes {
		want[c] = where
	}
	for c, where := range want {
		if !authRows[c] {
			t.Errorf("errors.md: Unico's authentication code %s (%s) is not documented", c, where)
		}
	}
}
