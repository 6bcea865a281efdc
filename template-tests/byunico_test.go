package templatetests

import (
	"strings"
	"testing"
)

// TestByUnicoSettings: the evidence-of-signature path (unconfirmed by Unico) and the risk-score
// threshold are deployment settings: given in the context (as -c strings), they reach every
// function's environment; absent, the functions keep their defaults.
func TestByUnicoSettings(t *testing.T) {
	const path = "/api/v2/evidence/{documentId}/file"
	s := synth(t, map[string]any{"unicoSignEvidencePath": path, "minRiskScore": "62.5"})
	d := defaultStack(t)
	for _, f := range wantFunctions {
		_, fn := s.resource(t, "AWS::Lambda::Function", f.id)
		env := obj(obj(props(fn)["Environment"])["Variables"])
		if env["UNICO_SIGN_EVIDENCE_PATH"] != path || env["MIN_RISK_SCORE"] != "62.5" {
			t.Errorf("%s: UNICO_SIGN_EVIDENCE_PATH %v, MIN_RISK_SCORE %v", f.id, env["UNICO_SIGN_EVIDENCE_PATH"], env["MIN_RISK_SCORE"])
		}
		_, dfn := d.resource(t, "AWS::Lambda::Function", f.id)
		denv := obj(obj(props(dfn)["Environment"])["Variables"])
		if _, ok := denv["UNICO_SIGN_EVIDENCE_PATH"]; ok {
			t.Errorf("%s: UNICO_SIGN_EVIDENCE_PATH set without the context key", f.id)
		}
		if _, ok := denv["MIN_RISK_SCORE"]; ok {
			t.Errorf("%s: MIN_RISK_SCORE set without the context key", f.id)
		}
	}
	for name, c := range map[string]struct {
		overrides map[string]any
		want      string
	}{
		"path without the id": {map[string]any{"unicoSignEvidencePath": "/api/v1/service/evidence"}, "unicoSignEvidencePath"},
		"relative path":       {map[string]any{"unicoSignEvidencePath": "api/{documentId}"}, "unicoSignEvidencePath"},
		"score out of range":  {map[string]any{"minRiskScore": "150"}, "minRiskScore"},
		"score not a number":  {map[string]any{"minRiskScore": "high"}, "context minRiskScore"},
	} {
		if _, err := propsFrom(t, c.overrides); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

// TestReadRefreshSetting: readRefreshSeconds (how often a read of an open process may ask Unico)
// reaches every function as READ_REFRESH_SECONDS, 5 by default, and is validated.
func TestReadRefreshSetting(t *testing.T) {
	s := synth(t, map[string]any{"readRefreshSeconds": "30"})
	for _, f := range wantFunctions {
		_, fn := s.resource(t, "AWS::Lambda::Function", f.id)
		if env := obj(obj(props(fn)["Environment"])["Variables"]); env["READ_REFRESH_SECONDS"] != "30" {
			t.Errorf("%s: READ_REFRESH_SECONDS %v, want 30", f.id, env["READ_REFRESH_SECONDS"])
		}
	}
	for _, v := range []string{"-1", "3601", "soon"} {
		if _, err := propsFrom(t, map[string]any{"readRefreshSeconds": v}); err == nil || !strings.Contains(err.Error(), "readRefreshSeconds") {
			t.Errorf("readRefreshSeconds %s: error %v", v, err)
		}
	}
}
