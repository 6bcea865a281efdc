package unico

import (
	"log/slog"
	"strconv"
)

// Artefact is a file downloaded from Unico (a selfie, an evidence PDF, a signed document): the
// decoded bytes and their content type. It is personal data: it is streamed to the caller and
// never stored or logged, so String and GoString print only its type and size.
type Artefact struct {
	ContentType string
	Data        []byte
}

// String hides the bytes.
func (a Artefact) String() string {
	return "unico.Artefact{" + a.ContentType + ", " + strconv.Itoa(len(a.Data)) + " bytes}"
}

// GoString hides the bytes.
func (a Artefact) GoString() string { return a.String() }

// LogValue hides the bytes from slog as well.
func (a Artefact) LogValue() slog.Value { return slog.StringValue(a.String()) }
