package unico

import (
	"fmt"
	"log/slog"
)

// String hides the service account, tenant, key, API keys and webhook secrets.
func (c Credentials) String() string {
	return fmt.Sprintf("unico.Credentials{environment:%s privateKeyPem:%s apiKeys:%d webhook:%d cpfHashKey:%s}",
		sanitizeEnum(c.Environment), present(c.PrivateKeyPEM), len(c.APIKeys), len(c.Webhook), present(c.CPFHashKey))
}

// GoString is String.
func (c Credentials) GoString() string { return c.String() }

// LogValue logs the environment and counts only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("environment", sanitizeEnum(c.Environment)), slog.Int("apiKeys", len(c.APIKeys)))
}

// String hides the secret values.
func (w WebhookCredential) String() string {
	return "unico.WebhookCredential{type:" + sanitizeEnum(w.Type) + " redacted}"
}

// GoString is String.
func (w WebhookCredential) GoString() string { return w.String() }

// APIKey returns the by-Client APIKEY of a capability set (see Capability*).
func (c Credentials) APIKey(capability string) (string, bool) {
	k, ok := c.APIKeys[capability]
	return k, ok && k != ""
}
