package httpapi

import (
	"net/http/httptest"
	"testing"
)

func TestCORSAnswersNameOnlyAllowedOrigins(t *testing.T) {
	a := New(Deps{Tenants: func(string) (string, bool) { return "t", true }, CORSOrigins: []string{"https://app.example.com"}})
	h := a.Handler("")
	for origin, want := range map[string]string{"https://app.example.com": "https://app.example.com", "https://evil.example": "", "": ""} {
		r := httptest.NewRequest("GET", "/v1/nothing", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("origin %q: Access-Control-Allow-Origin %q, want %q", origin, got, want)
		}
		if want != "" && w.Header().Get("Access-Control-Expose-Headers") == "" {
			t.Errorf("origin %q: no exposed headers", origin)
		}
	}
	// Without configured origins nothing is added.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/v1/nothing", nil)
	r.Header.Set("Origin", "https://app.example.com")
	New(Deps{}).Handler("").ServeHTTP(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS header without CORS_ORIGINS")
	}
}
