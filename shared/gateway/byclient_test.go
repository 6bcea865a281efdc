package gateway

import (
	"context"
	"testing"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/unico"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// The client's configuration errors become the domain's stable 503s (no network is involved:
// both are detected before a request is built).
func TestByClientConfigurationErrors(t *testing.T) {
	creds := func(context.Context) (unico.Credentials, error) {
		return unico.Credentials{APIKeys: map[string]string{unico.CapabilityIdentity: "k"}}, nil
	}
	for _, c := range []struct {
		name, byClientURL, capability, code string
	}{
		{"no API key for the capability", "http://127.0.0.1:1", unico.CapabilityRiskScore, "capability_not_configured"},
		{"no by-Client host", "", unico.CapabilityIdentity, "by_client_not_configured"},
	} {
		cl, err := unicoclient.New(unicoclient.Config{AuthURL: "http://127.0.0.1:1", ByClientURL: c.byClientURL}, creds)
		if err != nil {
			t.Fatal(err)
		}
		_, err = byClient{cl}.CreateClientProcess(context.Background(), c.capability, unico.ClientProcessRequest{ImageBase64: "x.y.z"})
		if e := domain.AsError(err); e.Kind != domain.KindUnavailable || e.Code != c.code {
			t.Errorf("%s: %v", c.name, err)
		}
		_, err = byClient{cl}.ListReusableDocuments(context.Background(), c.capability, "73689290074", "BR_CNH")
		if e := domain.AsError(err); e.Code != c.code {
			t.Errorf("%s (documents): %v", c.name, err)
		}
	}
}
