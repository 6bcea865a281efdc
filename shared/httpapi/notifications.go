package httpapi

import "net/http"

// handleReplayNotification serves POST /v1/processes/{id}/notifications: the tenant asks for its
// final process's outbound event again (same webhook-id and payload, a fresh series of
// attempts). 202: the notifier delivers it as soon as it can.
func (a *API) handleReplayNotification() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := a.svc.ReplayNotification(r.Context(), tenantOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, res)
	})
}
