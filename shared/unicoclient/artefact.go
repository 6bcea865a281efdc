package unicoclient

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
)

var errUnrecognisedBody = errors.New("unrecognised file body")

// decodeFileContents reads {"fileContents": base64, "contentType": ...} (GetSelfie,
// GetEvidenceSet).
func decodeFileContents(body []byte, fallbackCT string) (Artefact, error) {
	var w struct {
		FileContents string `json:"fileContents"`
		ContentType  string `json:"contentType"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(body), &w); err != nil || w.FileContents == "" {
		return Artefact{}, errUnrecognisedBody
	}
	data, ok := decodeBase64(w.FileContents)
	if !ok {
		return Artefact{}, errors.New("fileContents is not base64")
	}
	ct := w.ContentType
	if ct == "" {
		ct = fallbackCT
	}
	return Artefact{ContentType: normalizeContentType(ct, data), Data: data}, nil
}

// sniffDocument reads a sign-host file body: a binary PDF (starts with %PDF), a base64 text, a
// JSON string holding base64, or an object with fileContents (or Data, the sign host's envelope).
func sniffDocument(body []byte, headerCT string) (Artefact, error) {
	if bytes.HasPrefix(body, []byte("%PDF")) {
		return Artefact{ContentType: "application/pdf", Data: body}, nil
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return Artefact{}, errors.New("empty file body")
	}
	if bytes.HasPrefix(t, []byte("%PDF")) {
		return Artefact{ContentType: "application/pdf", Data: t}, nil
	}
	var text, ct string
	switch t[0] {
	case '"':
		if err := json.Unmarshal(t, &text); err != nil {
			return Artefact{}, errUnrecognisedBody
		}
	case '{':
		var w struct {
			FileContents string          `json:"fileContents"`
			ContentType  string          `json:"contentType"`
			Data         json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(t, &w); err != nil {
			return Artefact{}, errUnrecognisedBody
		}
		text, ct = w.FileContents, w.ContentType
		if text == "" && len(w.Data) > 0 {
			_ = json.Unmarshal(w.Data, &text)
		}
	default:
		text = string(t)
	}
	data, ok := decodeBase64(text)
	if !ok || len(data) == 0 {
		return Artefact{}, errUnrecognisedBody
	}
	if bytes.HasPrefix(data, []byte("%PDF")) {
		return Artefact{ContentType: "application/pdf", Data: data}, nil
	}
	if ct == "" {
		ct = headerCT
	}
	return Artefact{ContentType: normalizeContentType(ct, data), Data: data}, nil
}

// decodeBase64 accepts standard and URL alphabets, with or without padding, with line breaks,
// and with a data: URL prefix.
func decodeBase64(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ";base64,"); i >= 0 && strings.HasPrefix(s, "data:") {
		s = s[i+len(";base64,"):]
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', ' ', '\t':
			return -1
		}
		return r
	}, s)
	if s == "" {
		return nil, false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// normalizeContentType turns Unico's "x-pdf" and empty or generic types into a MIME type, sniffing
// the bytes when needed.
func normalizeContentType(ct string, data []byte) string {
	ct = strings.TrimSpace(ct)
	if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.Contains(mt, "/") && mt != "application/octet-stream" {
		return ct
	}
	if strings.Contains(strings.ToLower(ct), "pdf") || bytes.HasPrefix(data, []byte("%PDF")) {
		return "application/pdf"
	}
	return http.DetectContentType(data)
}
