// Package api holds the OpenAPI 3 document of the gateway's public API (openapi.json), from
// which clients in other languages can be generated, and the tests that keep it true: the
// document is well-formed (every $ref resolves, every operation has a unique operationId,
// schemas use known types and formats, required properties exist, path parameters are
// declared, security schemes exist), and the real handlers' answers, driven through the local
// stack, match the schemas documented for their route and status. shared/httpapi's
// openapi_test.go checks that the document lists exactly the routes the handlers serve.
package api

import _ "embed"

// OpenAPI is the document (openapi.json), for tools that want it without reading the file.
//
//go:embed openapi.json
var OpenAPI []byte
