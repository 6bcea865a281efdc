package httpapi

import "net/http"

// handleReusableDocuments serves GET /v1/documents?cpf=&type=BR_RG|BR_CNH|BR_CIN|BR_PASSPORT: the
// documents Unico can reuse for the person (by Client). The CPF travels in the query string as
// Unico's own API has it; the access log never records query strings.
func (a *API) handleReusableDocuments() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		res, err := a.svc.ListReusableDocuments(r.Context(), tenantOf(r), q.Get("cpf"), q.Get("type"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
}
