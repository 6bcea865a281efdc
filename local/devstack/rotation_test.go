package devstack_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/unicogw/gateway/shared/unico"
)

// TestCredentialRotationWithoutRestart rotates the webhook credentials in Secrets Manager (a new
// secret version, as an operator would) and checks that the running functions accept the new
// password within the cache TTL, with no restart and no deploy.
func TestCredentialRotationWithoutRestart(t *testing.T) {
	s, _ := startStack(t)
	api := client{t, s.APIURL}
	hook := map[string]any{"processId": "00000000-0000-4000-8000-000000000000", "state": "PROCESS_STATE_FINISHED"}
	auth := func(pass string) map[string]string {
		return map[string]string{"Authorization": "Basic " + basic(s.WebhookUser, pass)}
	}
	// An unknown process is acknowledged: 200 means the credentials were accepted.
	if status, _, res := api.do("POST", "/webhooks/unico", "", auth(s.WebhookPass), hook); status != http.StatusOK {
		t.Fatalf("current credentials: %d %v", status, res)
	}

	raw, _, _ := s.Secrets.Current(s.SecretID)
	var c unico.Credentials
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	const newPass = "rotated-password-2"
	c.Webhook = []unico.WebhookCredential{{Type: "basic", Username: s.WebhookUser, Password: newPass}}
	b, _ := json.Marshal(c)
	s.Secrets.Put(s.SecretID, string(b))

	// The functions cache the secret for SecretsTTL (2 s in the local stack): poll until the new
	// password is accepted, bounded well above the TTL.
	deadline := time.Now().Add(4 * s.Config.SecretsTTL)
	for {
		status, _, _ := api.do("POST", "/webhooks/unico", "", auth(newPass), hook)
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rotated password was not accepted within %v", 4*s.Config.SecretsTTL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, _, _ := api.do("POST", "/webhooks/unico", "", auth(s.WebhookPass), hook); status != http.StatusUnauthorized {
		t.Fatalf("the old password is still accepted after the rotation: %d", status)
	}
}
