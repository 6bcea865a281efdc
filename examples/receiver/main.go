// Command receiver is an example of an app backend receiving the gateway's outbound events: it
// checks each event's Standard Webhooks signature over the raw body (standard library only, so
// it can be copied anywhere), deduplicates on webhook-id and answers 204. The README shows it.
//
//	UNICO_GATEWAY_WEBHOOK_SECRET=whsec_... go run ./examples/receiver
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// verify checks a Standard Webhooks signature: HMAC-SHA256 of "id.timestamp.body" under the
// secret ("whsec_" + base64), one of the space-separated "v1,<base64>" values, and a
// timestamp within five minutes.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return errors.New("the secret is not whsec_<base64>")
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || id == "" || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return errors.New("missing webhook-id or webhook-timestamp out of tolerance")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := []byte("v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), want) {
			return nil
		}
	}
	return errors.New("no valid signature")
}

// handler accepts verified events once per webhook-id (keep the ids in your database).
func handler(secret string) http.Handler {
	var mu sync.Mutex
	seen := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || verify(secret, r.Header, body, time.Now()) != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		dup := seen[r.Header.Get("webhook-id")]
		seen[r.Header.Get("webhook-id")] = true
		mu.Unlock()
		if !dup {
			log.Printf("event %s: %s", r.Header.Get("webhook-id"), body) // act on it: type, data.id, data.decision
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func main() {
	http.Handle("POST /unico-events", handler(os.Getenv("UNICO_GATEWAY_WEBHOOK_SECRET")))
	log.Fatal(http.ListenAndServe("127.0.0.1:9000", nil))
}
