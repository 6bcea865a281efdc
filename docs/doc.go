// Package docs holds the project's documents for people (errors.md, runbook.md,
// walkthrough.md, ...) and the tests that keep them true: every stable error code the gateway
// answers is documented in errors.md (and nothing else is), every command of the walkthrough runs
// against the local stack, and the README's SAM and LocalStack sections list the Makefile's
// commands in order. It has no Go code of its own.
package docs
