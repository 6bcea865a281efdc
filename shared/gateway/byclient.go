package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/unicogw/gateway/shared/domain"
	"github.com/unicogw/gateway/shared/unico"
	"github.com/unicogw/gateway/shared/unicoclient"
)

// byClient adapts the Unico client to domain.ClientUnico, turning the client's configuration
// errors (no APIKEY for a capability, no by-Client host) into the domain's stable answers.
type byClient struct{ c *unicoclient.Client }

func (b byClient) CreateClientProcess(ctx context.Context, capability string, req unico.ClientProcessRequest) (unico.ClientProcess, error) {
	p, err := b.c.CreateClientProcess(ctx, capability, req)
	return p, byClientError(err)
}

func (b byClient) GetClientProcess(ctx context.Context, capability, id string, v2 bool) (unico.ClientProcess, error) {
	p, err := b.c.GetClientProcess(ctx, capability, id, v2)
	return p, byClientError(err)
}

func (b byClient) ListReusableDocuments(ctx context.Context, capability, cpf, docType string) (unico.ReusableDocuments, error) {
	d, err := b.c.ListReusableDocuments(ctx, capability, cpf, docType)
	return d, byClientError(err)
}

func byClientError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unicoclient.ErrMissingAPIKey):
		return &domain.Error{Kind: domain.KindUnavailable, Code: "capability_not_configured", RetryAfter: time.Minute, Err: err,
			Message: "This gateway has no Unico API key for the requested capability; operators must add it to apiKeys in the credentials secret."}
	case errors.Is(err, unicoclient.ErrNotConfigured):
		return &domain.Error{Kind: domain.KindUnavailable, Code: "by_client_not_configured", Err: err,
			Message: "This gateway is not configured for the by-Client integration (UNICO_BY_CLIENT_URL)."}
	}
	return err
}
