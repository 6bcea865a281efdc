package domain

import "context"

// ListResult is a page of a tenant's processes as stored (no Unico call per item).
type ListResult struct {
	Processes  []ProcessView `json:"processes"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// List pages through the tenant's processes, newest first.
func (s *Service) List(ctx context.Context, q ListQuery) (ListResult, error) {
	if q.Limit == 0 {
		q.Limit = 25
	}
	if q.Limit < 1 || q.Limit > 100 {
		return ListResult{}, invalid("invalid_limit", "limit must be between 1 and 100.")
	}
	if q.State != "" && q.State.Rank() == 0 {
		return ListResult{}, invalid("invalid_state", "state must be one of created, awaiting_document, processing, finished, failed, canceled.")
	}
	if !q.CreatedFrom.IsZero() && !q.CreatedTo.IsZero() && q.CreatedTo.Before(q.CreatedFrom) {
		return ListResult{}, invalid("invalid_date_range", "createdTo is before createdFrom.")
	}
	if err := checkReviewFilters(q); err != nil {
		return ListResult{}, err
	}
	page, err := s.listPage(ctx, q)
	if err != nil {
		return ListResult{}, err
	}
	now := s.cfg.Now()
	res := ListResult{Processes: make([]ProcessView, 0, len(page.Processes)), NextCursor: page.NextCursor}
	for _, p := range page.Processes {
		if p.Visible(q.Tenant, now) { // TTL deletion is lazy: hide what is past retention
			res.Processes = append(res.Processes, storedView(p))
		}
	}
	return res, nil
}
