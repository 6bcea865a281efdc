package unicosim

import "context"

// FinishLosingWebhook finishes a by-Unico process like Finish, but its webhook is lost: the
// delivery is abandoned before it reaches the receiver (counted in Stats.WebhooksFailed), as
// when Unico's retries run out or the notification never leaves Unico. The gateway's sweeper
// is what closes such a process. Control API: POST /__sim/processes/{id}/finish with
// {"loseWebhook": true}.
func (s *Simulator) FinishLosingWebhook(processID, scenario string) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // DeliverWebhook gives up on a context that is already over
	return s.Finish(ctx, processID, scenario)
}
