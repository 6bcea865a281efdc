// Command unicosim serves the Unico IDCloud simulator (package local/unicosim) on a local port, so
// app-backend teams and the gateway can run without Unico credentials or network access.
//
//	go run ./local/cmd/unicosim -public-key sa.key.pem -service-account sim_account -tenant sim-tenant \
//	    -webhook-url http://127.0.0.1:3000/webhooks/unico -webhook-user unico -webhook-password secret \
//	    -api-key 'k-onboarding=liveness,identity,riskScore' -api-key 'k-1to1=liveness,oneToOne'
//
// Every flag can also be set by environment (UNICOSIM_LISTEN, UNICOSIM_PUBLIC_KEY, ...; see -help).
// Without -public-key it generates a key pair and writes the private key to a temporary file, which
// is what the gateway then signs its assertions with.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/unicogw/gateway/local/unicosim"
)

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ";") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	listen := flag.String("listen", env("UNICOSIM_LISTEN", "127.0.0.1:8090"), "listen address (UNICOSIM_LISTEN)")
	keyFile := flag.String("public-key", env("UNICOSIM_PUBLIC_KEY", ""), "PEM file with the service account's public or private RSA key (UNICOSIM_PUBLIC_KEY); empty = generate one")
	account := flag.String("service-account", env("UNICOSIM_SERVICE_ACCOUNT", "sim_account"), "service account name (UNICOSIM_SERVICE_ACCOUNT)")
	tenant := flag.String("tenant", env("UNICOSIM_TENANT", "sim-tenant"), "tenant id (UNICOSIM_TENANT)")
	audience := flag.String("audience", env("UNICOSIM_AUDIENCE", "https://identityhomolog.acesso.io"), "required aud claim (UNICOSIM_AUDIENCE)")
	lifetime := flag.Duration("token-lifetime", time.Hour, "access-token lifetime")
	webhookURL := flag.String("webhook-url", env("UNICOSIM_WEBHOOK_URL", ""), "where finished by-Unico processes are announced (UNICOSIM_WEBHOOK_URL)")
	webhookUser := flag.String("webhook-user", env("UNICOSIM_WEBHOOK_USER", ""), "webhook Basic-auth user (UNICOSIM_WEBHOOK_USER)")
	webhookPass := flag.String("webhook-password", env("UNICOSIM_WEBHOOK_PASSWORD", ""), "webhook Basic-auth password (UNICOSIM_WEBHOOK_PASSWORD)")
	webhookHeader := flag.String("webhook-header", env("UNICOSIM_WEBHOOK_HEADER", ""), "webhook API-key header name, used when no user is set (UNICOSIM_WEBHOOK_HEADER)")
	webhookValue := flag.String("webhook-value", env("UNICOSIM_WEBHOOK_VALUE", ""), "webhook API-key header value (UNICOSIM_WEBHOOK_VALUE)")
	journey := flag.String("journey-base", env("UNICOSIM_JOURNEY_BASE", ""), "userRedirectUrl prefix (default http://<listen>/journey)")
	signedB64 := flag.Bool("signed-base64", env("UNICOSIM_SIGNED_BASE64", "") == "true", "GetDocumentSigned answers base64 text instead of a binary PDF")
	var apiKeys listFlag
	flag.Var(&apiKeys, "api-key", "by-Client APIKEY as key=cap1,cap2 (repeatable; caps: liveness, identity, riskScore, oneToOne, documents, serpro); UNICOSIM_API_KEYS takes a ;-separated list")
	flag.Parse()

	keys, err := unicosim.ParseAPIKeys(strings.Join(append(apiKeys, env("UNICOSIM_API_KEYS", "")), ";"))
	if err != nil {
		log.Fatal(err)
	}
	if len(keys) == 0 {
		keys = map[string]string{
			"sim-liveness":   "liveness",
			"sim-onboarding": "liveness,identity,riskScore",
			"sim-1to1":       "liveness,oneToOne",
			"sim-documents":  "documents",
		}
	}
	pub, keyNote, err := loadKey(*keyFile)
	if err != nil {
		log.Fatal(err)
	}
	if *journey == "" {
		*journey = "http://" + *listen + "/journey"
	}
	sim := unicosim.New(unicosim.Config{
		PublicKey: pub, ServiceAccount: *account, TenantID: *tenant, Audience: *audience, TokenLifetime: *lifetime,
		APIKeys: keys, WebhookURL: *webhookURL, JourneyBaseURL: *journey, SignedDocumentBase64: *signedB64,
		WebhookAuth: unicosim.WebhookAuth{Username: *webhookUser, Password: *webhookPass, Header: *webhookHeader, Value: *webhookValue},
	})

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	printBanner(ln.Addr().String(), keyNote, *account+"@"+*tenant+".iam.acesso.io", *audience, *webhookURL, keys)

	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// loadKey reads the verification key, or generates a pair and saves the private half for the caller.
func loadKey(path string) (*rsa.PublicKey, string, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		pub, err := unicosim.ParsePublicKeyPEM(b)
		return pub, "public key from " + path, err
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", err
	}
	out := filepath.Join(os.TempDir(), "unicosim-service-account.key.pem")
	der := x509.MarshalPKCS1PrivateKey(k)
	if err := os.WriteFile(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, "", err
	}
	return &k.PublicKey, "generated; sign assertions with the private key in " + out, nil
}

func printBanner(addr, keyNote, iss, aud, webhook string, keys map[string]string) {
	base := "http://" + addr
	fmt.Printf("unicosim: Unico IDCloud simulator on %s (use it as every Unico host)\n", base)
	fmt.Printf("  key:      %s\n  iss:      %s\n  aud:      %s\n", keyNote, iss, aud)
	if webhook == "" {
		webhook = "(none)"
	}
	fmt.Printf("  webhook:  %s\n", webhook)
	fmt.Println("  serves:   POST /oauth2/token; by Unico /client/v1/process[/{id}[/selfie|/evidenceset|/document]];")
	fmt.Println("            sign /api/v1/service/file/{documentId}, /api/v1/service/evidence/{documentId};")
	fmt.Println("            by Client POST /processes/v1, GET /processes/v1|v2/{id}, GET /documents/v1;")
	fmt.Println("            journey GET /journey/{id}; control /__sim/ (finish, expire, webhook, raw, faults, stats, selfies, scenarios)")
	fmt.Println("  APIKEYs:")
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Printf("    %-20s %s\n", k, keys[k])
	}
	fmt.Println("  scenario CPFs (any other valid CPF = approved / yes):")
	for _, s := range unicosim.ScenarioTable() {
		fmt.Printf("    %s  %-10s %-27s %s\n", s.CPF, s.Integration, s.Name, s.Description)
	}
	fmt.Println("  ending in review (a person decides: POST /v1/processes/{id}/review):")
	for _, r := range unicosim.ReviewScenarios() {
		fmt.Printf("    %s  %-10s %-20s %-18s %s\n", unicosim.ScenarioCPF(r.Scenario), r.Integration, r.Scenario, r.Flow, r.Reason)
	}
}
