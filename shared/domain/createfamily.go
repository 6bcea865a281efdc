package domain

import (
	"regexp"
	"strings"

	"github.com/unicogw/gateway/shared/unico"
)

var useCaseRE = regexp.MustCompile(`^USE_CASE_[A-Z0-9_]{1,100}$`)

// baseFlow is the documented flow a custom flow extends ("idunicodocs_r2" → "idunicodocs"), or
// flow itself. A custom flow has the needs of its family (payload for …sign, bioTokenId for
// idtoken…, useCase for idsmart); only the person's document may be left for later.
func baseFlow(flow string) string {
	if customFlow(flow) {
		return flow[:strings.LastIndexByte(flow, '_')]
	}
	return flow
}

// familyFields checks the fields that belong to one flow family (reference §3.1.1): bioTokenId
// for idtoken*, useCase for idsmart, companyBranchId for any flow. Each must be well-formed, and
// a flow that does not take a field refuses it rather than let Unico ignore it silently.
func familyFields(flow string, in CreateRequest) error {
	base := unico.Flow(baseFlow(flow))
	if in.BioTokenID != "" {
		if !validID(in.BioTokenID) {
			return invalid("invalid_bio_token_id", "bioTokenId must be the UUID of a finished identity process.")
		}
		if !unico.FlowNeedsBioToken(base) {
			return invalid("bio_token_id_not_allowed", "bioTokenId is only accepted by the idtoken flows.")
		}
	}
	if in.UseCase != "" {
		if !useCaseRE.MatchString(in.UseCase) {
			return invalid("invalid_use_case", "useCase must be one of Unico's USE_CASE_* values, such as USE_CASE_IDENTITY_REVALIDATION_7_DAYS.")
		}
		if !unico.FlowNeedsUseCase(base) {
			return invalid("use_case_not_allowed", "useCase is only accepted by the idsmart flow.")
		}
	}
	if in.CompanyBranchID != "" && !validID(in.CompanyBranchID) {
		return invalid("invalid_company_branch_id", "companyBranchId must be a branch UUID.")
	}
	return nil
}
