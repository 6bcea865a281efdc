// Package unico is the wire model of Unico IDCloud: the by-Unico (hosted journey) and by-Client
// (API contract) processes, their requests, OCR content, enumerations and error envelopes.
//
// It is pure: no network, no AWS. Decoding is tolerant exactly where Unico's own examples are
// inconsistent — trailing commas (Decode), numbers for strings (FlexString), impossible dates
// (Timestamp), scores as numbers or numeric strings, snake_case beside camelCase keys, unknown
// enum values (kept verbatim; UnknownEnums lists them for logging) and unknown OCR keys (Extra).
//
// Everything a person gives Unico is personal data under LGPD (CPF, name, contacts, selfie,
// document images and OCR). The types that hold it print and log without it (String, GoString,
// LogValue); errors from this package never quote values.
package unico
