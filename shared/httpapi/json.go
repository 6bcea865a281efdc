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

// readBody reads the whole body up to the limit.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "unreadable_body", "The request body could not be read.")
	}
	if len(b) > maxBody {
		return nil, domain.Errorf(domain.KindTooLarge, "body_too_large", "The request body is larger than %d bytes.", maxBody)
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
