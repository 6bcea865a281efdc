package unico

// Credentials is the JSON document kept in the credentials secret in Secrets Manager.
// Operators rotate it by writing a new version; every container picks the new version up
// within the cache TTL, without a deploy.
//
//	{
//	  "environment":    "uat",                       // "uat" or "production"; informational
//	  "serviceAccount": "gateway",                   // account name, max 12 characters
//	  "tenantId":       "7d3c...",                   // Unico tenant (company) id
//	  "privateKeyPem":  "-----BEGIN PRIVATE KEY-----\n...",
//	  "apiKeys": {                                   // by-Client APIKEY per capability set
//	    "liveness": "...", "identity": "...", "riskScore": "...", "oneToOne": "...", "documents": "..."
//	  },
//	  "webhook": [                                    // accepted inbound credentials; two during a rotation
//	    {"type": "basic", "username": "unico", "password": "..."},
//	    {"type": "apikey", "header": "X-API-Key", "value": "..."}
//	  ],
//	  "cpfHashKey": "..."                             // HMAC key for the stored CPF hash
//	}
type Credentials struct {
	Environment    string              `json:"environment"`
	ServiceAccount string              `json:"serviceAccount"`
	TenantID       string              `json:"tenantId"`
	PrivateKeyPEM  string              `json:"privateKeyPem"`
	APIKeys        map[string]string   `json:"apiKeys"`
	Webhook        []WebhookCredential `json:"webhook"`
	CPFHashKey     string              `json:"cpfHashKey"`
}

// Capability sets for the by-Client API: each is a distinct APIKEY at Unico.
const (
	CapabilityLiveness  = "liveness"  // liveness only
	CapabilityIdentity  = "identity"  // liveness + identity verification + behavior alert
	CapabilityRiskScore = "riskScore" // the same + risk score
	CapabilityOneToOne  = "oneToOne"  // liveness + 1:1 validation + behavior alert
	CapabilityDocuments = "documents" // document capture and reuse
)

// WebhookCredential is one credential Unico may present when it calls our webhook.
type WebhookCredential struct {
	Type     string `json:"type"` // "basic" or "apikey"
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Header   string `json:"header,omitempty"` // for "apikey": header name, e.g. X-API-Key or Authorization
	Value    string `json:"value,omitempty"`
}

// Issuer is the assertion's iss claim: <account>@<tenant>.iam.acesso.io.
func (c Credentials) Issuer() string { return c.ServiceAccount + "@" + c.TenantID + ".iam.acesso.io" }
