package unicosim

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePublicKeyPEM reads the RSA public key that verifies token assertions from PEM: a PUBLIC KEY
// (PKIX) or RSA PUBLIC KEY (PKCS#1) block, or a private key (RSA PRIVATE KEY / PRIVATE KEY), whose
// public half is used, so the service account's .key.pem works as is.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("unicosim: no RSA key found in PEM data")
		}
		switch block.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("unicosim: %w", err)
			}
			if rk, ok := k.(*rsa.PublicKey); ok {
				return rk, nil
			}
			return nil, errors.New("unicosim: PUBLIC KEY is not RSA")
		case "RSA PUBLIC KEY":
			return x509.ParsePKCS1PublicKey(block.Bytes)
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("unicosim: %w", err)
			}
			return &k.PublicKey, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("unicosim: %w", err)
			}
			if rk, ok := k.(*rsa.PrivateKey); ok {
				return &rk.PublicKey, nil
			}
			return nil, errors.New("unicosim: PRIVATE KEY is not RSA")
		}
	}
}

// ParseAPIKeys reads "key=capabilities" entries separated by semicolons, newlines or tabs, e.g.
// "k1=liveness,identity;k2=liveness+oneToOne", into Config.APIKeys.
func ParseAPIKeys(list string) (map[string]string, error) {
	out := map[string]string{}
	for _, e := range strings.FieldsFunc(list, func(r rune) bool { return r == ';' || r == '\n' || r == '\t' }) {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		k, caps, ok := strings.Cut(e, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(caps) == "" {
			return nil, fmt.Errorf("unicosim: API key entry %q is not key=capabilities", e)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(caps)
	}
	return out, nil
}
