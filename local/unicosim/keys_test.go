package unicosim

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestParsePublicKeyPEM(t *testing.T) {
	k, _ := keys(t)
	pkix, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	blocks := map[string][]byte{
		"PUBLIC KEY":      pkix,
		"RSA PUBLIC KEY":  x509.MarshalPKCS1PublicKey(&k.PublicKey),
		"RSA PRIVATE KEY": x509.MarshalPKCS1PrivateKey(k),
		"PRIVATE KEY":     pkcs8,
	}
	for typ, der := range blocks {
		pub, err := ParsePublicKeyPEM(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
		if err != nil || !pub.Equal(&k.PublicKey) {
			t.Errorf("%s: %v", typ, err)
		}
	}
	if _, err := ParsePublicKeyPEM([]byte("nothing")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestParseAPIKeys(t *testing.T) {
	m, err := ParseAPIKeys("k1=liveness,identity; k2=liveness+oneToOne\nk3=documents")
	if err != nil || len(m) != 3 || m["k1"] != "liveness,identity" || m["k2"] != "liveness+oneToOne" {
		t.Fatalf("%v %v", m, err)
	}
	if c := parseCaps(m["k2"]); !c.liveness || !c.oneToOne || c.identity {
		t.Fatalf("caps %+v", c)
	}
	if _, err := ParseAPIKeys("novalue"); err == nil {
		t.Fatal("entry without = accepted")
	}
}
