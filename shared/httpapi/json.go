package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/unicogw/gateway/shared/domain"
)

// maxBody is the largest request body accepted: above API Gateway's 10 MB REST limit is
// pointless, and signature PDFs are the only large input.
const maxBody = 8 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal_error","message":"Internal error."}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// MaxWebhookBody is the largest body POST /webhooks/unico accepts (64 KiB). Unico's deliveries
// are a few hundred bytes; anything larger is refused with 413 body_too_large before it is parsed.
const MaxWebhookBody = 64 << 10

// readBody reads the whole body up to maxBody.
func readBody(r *http.Request) ([]byte, error) { return readBodyLimit(r, maxBody) }

// readBodyLimit reads the whole body up to limit bytes: a larger one is a 413 body_too_large,
// and no more than limit+1 bytes of it are read.
func readBodyLimit(r *http.Request, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "unreadable_body", "The request body could not be read.")
	}
	if len(b) > limit {
		return nil, domain.Errorf(domain.KindTooLarge, "body_too_large", "The request body is larger than %d bytes.", limit)
	}
	return b, nil
}

// decodeStrict decodes one JSON object: a body that is not UTF-8, not an object, has unknown
// fields, duplicate names (see checkDuplicateKeys), values of the wrong type or trailing data is
// a 400 whose message may name an API field but never echoes anything of the input.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.KindInvalid, "empty_body", "The request body must be a JSON object.")
	}
	if !utf8.Valid(body) {
		return errNotUTF8
	}
	if !isObjectStart(body) {
		return errNotObject
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if isUnknownField(err) {
			return unknownFieldError(body, v)
		}
		return jsonError(err)
	}
	if dec.More() {
		return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body must hold exactly one JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body must hold exactly one JSON object.")
	}
	return checkDuplicateKeys(body)
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		return typeError(typ)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body is truncated JSON.")
	case isUnknownField(err):
		// The name is input: it is not repeated (it could be a CPF or markup).
		return errUnknownField
	}
	return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body is not valid JSON.")
}
