package domain

import (
	"context"
	"log/slog"
)

// SweepRequest bounds one sweeper run.
type SweepRequest struct {
	// Max is the most processes checked at Unico in this run: with the schedule's period it is
	// the sweeper's share of Unico's rate budget.
	Max int
	// Wait paces the calls to Unico (a rate limiter); it returns an error when the run must
	// stop (its deadline is near). nil does not pace.
	Wait func(ctx context.Context) error
}

// SweepReport says what a run did.
type SweepReport struct {
	Due     int    `json:"due"`     // open processes whose check was due (up to Max)
	Checked int    `json:"checked"` // read from Unico
	Closed  int    `json:"closed"`  // found final (their outbound event written)
	Errors  int    `json:"errors"`  // reads or writes that failed
	Stopped string `json:"stopped"` // why the run stopped early ("" = it did all that was due)
}

// Sweep asks Unico about the open processes whose next check is due (their webhook is late or
// lost, or Unico's expiry passed), oldest first, at most req.Max of them, paced by req.Wait. A
// process that became final is recorded with its outbound event, like after a webhook; one that
// did not is checked again later, less often as it ages (nextSweep). The run stops at the first
// sign that Unico is unavailable or rate-limiting: the next run resumes where it stopped.
func (s *Service) Sweep(ctx context.Context, req SweepRequest) (SweepReport, error) {
	var rep SweepReport
	if s.async.sweeps == nil {
		return rep, &Error{Kind: KindInternal, Code: "sweeper_not_configured", Message: "Internal error."}
	}
	if req.Max <= 0 {
		req.Max = 100
	}
	ids, err := s.async.sweeps.DueForSweep(ctx, s.cfg.Now(), req.Max)
	if err != nil {
		return rep, err
	}
	rep.Due = len(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			rep.Stopped = "deadline"
			break
		}
		if req.Wait != nil {
			if err := req.Wait(ctx); err != nil {
				rep.Stopped = "deadline"
				break
			}
		}
		out, err := s.syncProcess(ctx, id, true)
		if out != syncSkipped || err != nil {
			rep.Checked++
		}
		if err != nil {
			rep.Errors++
			e := AsError(err)
			s.cfg.Log.WarnContext(ctx, "sweeper: check failed", slog.String("processId", id), slog.String("code", e.Code))
			if e.Kind == KindUnavailable || e.Kind == KindTooManyRequests || e.Kind == KindTimeout || e.Kind == KindBadGateway {
				rep.Stopped = e.Code
				break
			}
			continue
		}
		if out == syncFinal {
			rep.Closed++
		}
	}
	m := s.async.metrics
	m.Count(ctx, MetricSweepChecked, rep.Checked)
	m.Count(ctx, MetricSweepClosed, rep.Closed)
	m.Count(ctx, MetricSweepErrors, rep.Errors)
	level := slog.LevelInfo
	if rep.Due == 0 {
		level = slog.LevelDebug // the usual run: nothing overdue
	}
	s.cfg.Log.Log(ctx, level, "sweep done", slog.Int("due", rep.Due), slog.Int("checked", rep.Checked),
		slog.Int("closed", rep.Closed), slog.Int("errors", rep.Errors), slog.String("stopped", rep.Stopped))
	return rep, nil
}
