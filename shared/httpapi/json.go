package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

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

// decodeStrict decodes one JSON object: unknown fields, wrong types and trailing data are 400s
// whose messages name the field but never echo a value.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.KindInvalid, "empty_body", "The request body must be a JSON object.")
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
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		return domain.Errorf(domain.KindInvalid, "invalid_field_type", "Field %q must be of type %s.", typ.Field, typ.Type.String())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body is truncated JSON.")
	}
	msg := err.Error()
	const unknown = "json: unknown field "
	if len(msg) > len(unknown) && msg[:len(unknown)] == unknown {
		return domain.Errorf(domain.KindInvalid, "unknown_field", "Unknown field %s.", safeFieldName(msg[len(unknown):]))
	}
	return domain.Errorf(domain.KindInvalid, "invalid_json", "The request body is not valid JSON.")
}

// safeFieldName keeps a field name only if it looks like one, so that no input is reflected.
func safeFieldName(s string) string {
	if len(s) > 66 {
		return "(too long)"
	}
	for _, c := range s {
		if !(c == '"' || c == '_' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return "(invalid name)"
		}
	}
	return s
}
