package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/unicogw/gateway/client"
	"github.com/unicogw/gateway/local/unicosim"
)

var samplePDF = base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))

// TestTheRestOfTheAPI: artefacts, the replay of an event, redaction, a custom flow's document
// and reusable documents, through the client against the local stack.
func TestTheRestOfTheAPI(t *testing.T) {
	s := stack(t)
	c := client.New(s.APIURL, s.Tenants[0].APIKey)
	ctx := context.Background()
	cpf := unicosim.ScenarioCPF("approved")

	res, err := c.CreateProcess(ctx, client.CreateRequest{Integration: client.ByUnico, Flow: "idsign", Purpose: "creditprocess",
		Person:             &client.Person{CPF: cpf, Name: "Joana Teste", Email: "joana@example.com"},
		SignatureDocuments: []client.SignDocument{{Name: "contract.pdf", ContentBase64: samplePDF}}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Process.ID
	if _, err := c.ReplayNotification(ctx, id); !client.IsCode(err, "process_not_final") {
		t.Fatalf("replay before the end: %v", err)
	}
	if _, err := c.Selfie(ctx, id, false); !client.IsCode(err, "artefact_not_found") {
		t.Fatalf("selfie before the end: %v", err)
	}
	if err := s.Sim.Finish(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	// With the documents, Unico is read (and the final state recorded, whether or not the worker
	// got there first); the plain read then answers the same from the store.
	p, err := c.GetProcessWithDocuments(ctx, id)
	if err != nil || p.Signature == nil || len(p.Signature.DocumentIDs) != 1 || p.Source != "unico" || p.State != "finished" {
		t.Fatalf("signed process: %+v %v", p, err)
	}
	if stored, err := c.GetProcess(ctx, id); err != nil || stored.Source != "store" || stored.CheckedAt == nil ||
		stored.Signature == nil || stored.Signature.DocumentIDs[0] != p.Signature.DocumentIDs[0] {
		t.Fatalf("stored read: %+v %v", stored, err)
	}
	doc := p.Signature.DocumentIDs[0]
	for name, get := range map[string]func() (*client.Artefact, error){
		"selfie":             func() (*client.Artefact, error) { return c.Selfie(ctx, id, false) },
		"evidence set":       func() (*client.Artefact, error) { return c.EvidenceSet(ctx, id) },
		"signed document":    func() (*client.Artefact, error) { return c.SignedDocument(ctx, id, doc) },
		"signature evidence": func() (*client.Artefact, error) { return c.SignatureEvidence(ctx, id, doc) },
	} {
		a, err := get()
		if err != nil || len(a.Data) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		isPDF := bytes.HasPrefix(a.Data, []byte("%PDF"))
		if name == "selfie" && (!strings.HasPrefix(a.ContentType, "image/") || isPDF) || name != "selfie" && (a.ContentType != "application/pdf" || !isPDF) {
			t.Errorf("%s: %s, %d bytes", name, a.ContentType, len(a.Data))
		}
	}

	if r, err := c.ReplayNotification(ctx, id); err != nil || r.EventID != "evt_"+id || r.Status != "pending" {
		t.Fatalf("replay: %+v %v", r, err)
	}
	red, err := c.RedactProcess(ctx, id)
	if err != nil || !red.Redacted || red.CPFMasked != "" || red.Decision.Outcome != client.Approved {
		t.Fatalf("redact: %+v %v", red, err)
	}
	if _, err := c.Selfie(ctx, id, false); !client.IsCode(err, "process_redacted") {
		t.Fatalf("selfie after the redaction: %v", err)
	}

	custom, err := c.CreateProcess(ctx, client.CreateRequest{Flow: "idunicodocs_r2", Purpose: "biometryonboarding"})
	if err != nil || custom.Process.State != "awaiting_document" {
		t.Fatalf("custom flow: %+v %v", custom, err)
	}
	set := client.SetDocumentRequest{DUIType: "DUI_TYPE_BR_CPF", DUIValue: cpf}
	if p, err := c.SetProcessDocument(ctx, custom.Process.ID, set); err != nil || p.State != "created" || p.CPFMasked == "" {
		t.Fatalf("set document: %+v %v", p, err)
	}
	if _, err := c.SetProcessDocument(ctx, custom.Process.ID, set); !client.IsCode(err, "process_not_awaiting_document") {
		t.Fatalf("set document twice: %v", err)
	}

	docs, err := c.ListReusableDocuments(ctx, unicosim.ScenarioCPF("yes_with_documents"), "BR_RG")
	if err != nil || len(docs.Documents) != 1 || docs.Documents[0].Type != "RG" {
		t.Fatalf("reusable documents: %+v %v", docs, err)
	}
	if _, err := c.ListReusableDocuments(ctx, "12345678900", "BR_RG"); !client.IsCode(err, "invalid_cpf") {
		t.Fatalf("bad CPF: %v", err)
	}
}

// TestReview: a by-Client process in review is reviewed through the client, leaves the queue
// and shows the person's decision; a second review is 409.
func TestReview(t *testing.T) {
	s := stack(t)
	c := client.New(s.APIURL, s.Tenants[0].APIKey)
	ctx := context.Background()
	res, err := c.CreateProcess(ctx, client.CreateRequest{Integration: client.ByClient, Capability: "identity", Selfie: s.Sim.NewSelfieJWT(),
		Person: &client.Person{CPF: unicosim.ScenarioCPF("inconclusive"), Name: "Joana Teste"}})
	if err != nil || res.Process.Decision.Outcome != client.Review {
		t.Fatalf("create: %+v %v", res, err)
	}
	id := res.Process.ID
	inQueue := func() bool {
		t.Helper()
		page, err := c.ListProcesses(ctx, client.ListQuery{Decision: "review", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Processes {
			if p.ID == id {
				return true
			}
		}
		return false
	}
	if !inQueue() {
		t.Fatal("the process is not in the review queue")
	}
	p, err := c.Review(ctx, id, client.ReviewRequest{Outcome: client.Approved, Reason: "checked by phone", Reviewer: "op-7"})
	if err != nil || p.Decision.Outcome != client.Approved || p.Review == nil || p.Review.Reviewer != "op-7" ||
		p.AutomaticDecision == nil || p.AutomaticDecision.Outcome != client.Review {
		t.Fatalf("review: %+v %v", p, err)
	}
	if inQueue() {
		t.Fatal("the reviewed process is still in the queue")
	}
	yes := true
	if page, err := c.ListProcesses(ctx, client.ListQuery{Reviewed: &yes, Limit: 100}); err != nil || len(page.Processes) == 0 || page.Processes[0].Review == nil {
		t.Fatalf("reviewed=true: %+v %v", page, err)
	}
	if _, err := c.Review(ctx, id, client.ReviewRequest{Outcome: client.Rejected, Reason: "second thoughts", Reviewer: "op-8"}); !client.IsCode(err, "process_not_in_review") {
		t.Fatalf("second review: %v", err)
	}
}
