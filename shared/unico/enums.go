package unico

// Enumerations of the by-Unico API (reference §3.1, §3.2.1, §5.2). Each is a string type: an
// unknown value is kept verbatim, Known reports whether it is one of the documented values, and
// UnknownEnums lists the unknown ones for logging. Unico advises to "react only to values you
// explicitly handle, log unknown values, and do not error on them".

func setOf[T ~string](vs ...T) map[T]struct{} {
	m := make(map[T]struct{}, len(vs))
	for _, v := range vs {
		m[v] = struct{}{}
	}
	return m
}

// ProcessState is process.state.
type ProcessState string

const (
	ProcessStateUnspecified ProcessState = "PROCESS_STATE_UNSPECIFIED"
	ProcessStateCreated     ProcessState = "PROCESS_STATE_CREATED"
	ProcessStateFinished    ProcessState = "PROCESS_STATE_FINISHED"
	ProcessStateFailed      ProcessState = "PROCESS_STATE_FAILED"   // documented as deprecated
	ProcessStateCanceled    ProcessState = "PROCESS_STATE_CANCELED" // documented as deprecated
	// The custom-flow state "AWAITING_FOR_DOCUMENT" is documented without its exact enum string;
	// it is deliberately not listed, so that it is logged as unknown when first seen.
)

// ProcessStates lists the known states.
var ProcessStates = []ProcessState{ProcessStateUnspecified, ProcessStateCreated, ProcessStateFinished, ProcessStateFailed, ProcessStateCanceled}

var processStateSet = setOf(ProcessStates...)

// Known reports whether s is a documented state.
func (s ProcessState) Known() bool { _, ok := processStateSet[s]; return ok }

// ProcessResult is process.result.
type ProcessResult string

const (
	ProcessResultUnspecified     ProcessResult = "PROCESS_RESULT_UNSPECIFIED"
	ProcessResultOK              ProcessResult = "PROCESS_RESULT_OK"
	ProcessResultError           ProcessResult = "PROCESS_RESULT_ERROR"
	ProcessResultInvalidIdentity ProcessResult = "PROCESS_RESULT_INVALID_IDENTITY"
	ProcessResultExpired         ProcessResult = "PROCESS_RESULT_EXPIRED"
	ProcessResultWarning         ProcessResult = "PROCESS_RESULT_WARNING"
	ProcessResultRefused         ProcessResult = "PROCESS_RESULT_REFUSED"
)

// ProcessResults lists the known results.
var ProcessResults = []ProcessResult{ProcessResultUnspecified, ProcessResultOK, ProcessResultError, ProcessResultInvalidIdentity, ProcessResultExpired, ProcessResultWarning, ProcessResultRefused}

var processResultSet = setOf(ProcessResults...)

// Known reports whether r is a documented result.
func (r ProcessResult) Known() bool { _, ok := processResultSet[r]; return ok }

// AuthenticationResult is authenticationInfo.authenticationResult (identity verification).
type AuthenticationResult string

const (
	AuthenticationResultUnspecified  AuthenticationResult = "AUTHENTICATION_RESULT_UNSPECIFIED"
	AuthenticationResultPositive     AuthenticationResult = "AUTHENTICATION_RESULT_POSITIVE"
	AuthenticationResultNegative     AuthenticationResult = "AUTHENTICATION_RESULT_NEGATIVE"
	AuthenticationResultInconclusive AuthenticationResult = "AUTHENTICATION_RESULT_INCONCLUSIVE"
)

// AuthenticationResults lists the known values.
var AuthenticationResults = []AuthenticationResult{AuthenticationResultUnspecified, AuthenticationResultPositive, AuthenticationResultNegative, AuthenticationResultInconclusive}

var authenticationResultSet = setOf(AuthenticationResults...)

// Known reports whether r is documented.
func (r AuthenticationResult) Known() bool { _, ok := authenticationResultSet[r]; return ok }

// LivenessResult is authenticationInfo.livenessResult.
type LivenessResult string

const (
	LivenessResultUnspecified LivenessResult = "LIVENESS_RESULT_UNSPECIFIED"
	LivenessResultLive        LivenessResult = "LIVENESS_RESULT_LIVE"
	LivenessResultNotLive     LivenessResult = "LIVENESS_RESULT_NOT_LIVE"
)

// LivenessResults lists the known values.
var LivenessResults = []LivenessResult{LivenessResultUnspecified, LivenessResultLive, LivenessResultNotLive}

var livenessResultSet = setOf(LivenessResults...)

// Known reports whether r is documented.
func (r LivenessResult) Known() bool { _, ok := livenessResultSet[r]; return ok }

// BioTokenEngineResult is authenticationInfo.bioTokenEngineResult (idtoken flows, 1:1).
type BioTokenEngineResult string

const (
	BioTokenEngineResultUnspecified BioTokenEngineResult = "BIO_TOKEN_ENGINE_RESULT_UNSPECIFIED"
	BioTokenEngineResultPositive    BioTokenEngineResult = "BIO_TOKEN_ENGINE_RESULT_POSITIVE"
	// The negative value has not been seen in any source; anything but POSITIVE is "not matched".
)

// BioTokenEngineResults lists the known values.
var BioTokenEngineResults = []BioTokenEngineResult{BioTokenEngineResultUnspecified, BioTokenEngineResultPositive}

var bioTokenEngineResultSet = setOf(BioTokenEngineResults...)

// Known reports whether r is documented.
func (r BioTokenEngineResult) Known() bool { _, ok := bioTokenEngineResultSet[r]; return ok }

// TrustResult is used by trustResult, identityFraudstersResult, faceWithOtherIdResult and
// riskLevelResult (Behavior Alert).
type TrustResult string

const (
	TrustResultUnspecified  TrustResult = "TRUST_RESULT_UNSPECIFIED"
	TrustResultInconclusive TrustResult = "TRUST_RESULT_INCONCLUSIVE"
	TrustResultYes          TrustResult = "TRUST_RESULT_YES" // inferred from the response-scenario table; not seen verbatim
)

// TrustResults lists the known values.
var TrustResults = []TrustResult{TrustResultUnspecified, TrustResultInconclusive, TrustResultYes}

var trustResultSet = setOf(TrustResults...)

// Known reports whether r is documented.
func (r TrustResult) Known() bool { _, ok := trustResultSet[r]; return ok }

// FrictionlessResult is authenticationInfo.frictionlessResult.
type FrictionlessResult string

// FrictionlessResultUnspecified is the only value seen.
const FrictionlessResultUnspecified FrictionlessResult = "FRICTIONLESS_RESULT_UNSPECIFIED"

// FrictionlessResults lists the known values.
var FrictionlessResults = []FrictionlessResult{FrictionlessResultUnspecified}

// Known reports whether r is documented.
func (r FrictionlessResult) Known() bool { return r == FrictionlessResultUnspecified }

// SmartRevalidationResult is authenticationInfo.smartRevalidationResult (idsmart).
type SmartRevalidationResult string

// SmartRevalidationResultUnspecified is the only value seen.
const SmartRevalidationResultUnspecified SmartRevalidationResult = "SMART_REVALIDATION_RESULT_UNSPECIFIED"

// SmartRevalidationResults lists the known values.
var SmartRevalidationResults = []SmartRevalidationResult{SmartRevalidationResultUnspecified}

// Known reports whether r is documented.
func (r SmartRevalidationResult) Known() bool { return r == SmartRevalidationResultUnspecified }

// IDAgeResult is authenticationInfo.idAgeResult (idage flows).
type IDAgeResult string

// IDAgeResultUnspecified is the only value seen.
const IDAgeResultUnspecified IDAgeResult = "ID_AGE_RESULT_UNSPECIFIED"

// IDAgeResults lists the known values.
var IDAgeResults = []IDAgeResult{IDAgeResultUnspecified}

// Known reports whether r is documented.
func (r IDAgeResult) Known() bool { return r == IDAgeResultUnspecified }

// ScoreEnabled is authenticationInfo.scoreEngineResult.scoreEnabled.
type ScoreEnabled string

const (
	ScoreEnabledUnspecified ScoreEnabled = "SCORE_ENABLED_UNSPECIFIED"
	ScoreEnabledTrue        ScoreEnabled = "SCORE_ENABLED_TRUE"
	ScoreEnabledFalse       ScoreEnabled = "SCORE_ENABLED_FALSE"
)

// ScoreEnabledValues lists the known values.
var ScoreEnabledValues = []ScoreEnabled{ScoreEnabledUnspecified, ScoreEnabledTrue, ScoreEnabledFalse}

var scoreEnabledSet = setOf(ScoreEnabledValues...)

// Known reports whether s is documented.
func (s ScoreEnabled) Known() bool { _, ok := scoreEnabledSet[s]; return ok }

// ProcessCapacity is one entry of process.capacities.
type ProcessCapacity string

const (
	CapacityUnspecified ProcessCapacity = "PROCESS_CAPACITY_UNSPECIFIED"
	CapacityIDLive      ProcessCapacity = "PROCESS_CAPACITY_IDLIVE"
	CapacityIDUnico     ProcessCapacity = "PROCESS_CAPACITY_IDUNICO"
	CapacityIDCheck     ProcessCapacity = "PROCESS_CAPACITY_IDCHECK"
	CapacityIDDocs      ProcessCapacity = "PROCESS_CAPACITY_IDDOCS"
	CapacityIDSign      ProcessCapacity = "PROCESS_CAPACITY_IDSIGN"
	CapacityIDToken     ProcessCapacity = "PROCESS_CAPACITY_IDTOKEN"
	CapacityIDTrust     ProcessCapacity = "PROCESS_CAPACITY_IDTRUST"
	CapacityIDSerpro    ProcessCapacity = "PROCESS_CAPACITY_IDSERPRO"
)

// ProcessCapacities lists the known capacities.
var ProcessCapacities = []ProcessCapacity{CapacityUnspecified, CapacityIDLive, CapacityIDUnico, CapacityIDCheck, CapacityIDDocs, CapacityIDSign, CapacityIDToken, CapacityIDTrust, CapacityIDSerpro}

var processCapacitySet = setOf(ProcessCapacities...)

// Known reports whether c is documented.
func (c ProcessCapacity) Known() bool { _, ok := processCapacitySet[c]; return ok }

// NotificationChannel is person.notifications[].notificationChannel.
type NotificationChannel string

const (
	NotificationChannelWhatsApp NotificationChannel = "NOTIFICATION_CHANNEL_WHATSAPP"
	NotificationChannelSMS      NotificationChannel = "NOTIFICATION_CHANNEL_SMS"
	NotificationChannelEmail    NotificationChannel = "NOTIFICATION_CHANNEL_EMAIL"
)

// NotificationChannels lists the known channels.
var NotificationChannels = []NotificationChannel{NotificationChannelWhatsApp, NotificationChannelSMS, NotificationChannelEmail}

var notificationChannelSet = setOf(NotificationChannels...)

// Known reports whether c is documented.
func (c NotificationChannel) Known() bool { _, ok := notificationChannelSet[c]; return ok }

// DUIType is person.duiType (and subject.duiType in the by-Client API).
type DUIType string

const (
	DUITypeBRCPF           DUIType = "DUI_TYPE_BR_CPF"
	DUITypeMXCURP          DUIType = "DUI_TYPE_MX_CURP"
	DUITypeUSSSN           DUIType = "DUI_TYPE_US_SSN"
	DUITypeBRPassport      DUIType = "DUI_TYPE_BR_PASSPORT"
	DUITypeARPassport      DUIType = "DUI_TYPE_AR_PASSPORT"
	DUITypeARDNI           DUIType = "DUI_TYPE_AR_DNI"
	DUITypeNGNIN           DUIType = "DUI_TYPE_NG_NIN"
	DUITypeCLRUN           DUIType = "DUI_TYPE_CL_RUN"
	DUITypeECNI            DUIType = "DUI_TYPE_EC_NI"
	DUITypeUSPassport      DUIType = "DUI_TYPE_US_PASSPORT"
	DUITypeGTCUI           DUIType = "DUI_TYPE_GT_CUI"
	DUITypeUYCI            DUIType = "DUI_TYPE_UY_CI"
	DUITypeZZEmail         DUIType = "DUI_TYPE_ZZ_EMAIL"
	DUITypeIDNIK           DUIType = "DUI_TYPE_ID_NIK"
	DUITypeZZPhoneNumber   DUIType = "DUI_TYPE_ZZ_PHONE_NUMBER"
	DUITypeUSDriverLicense DUIType = "DUI_TYPE_US_DRIVER_LICENSE"
	DUITypeNGBVN           DUIType = "DUI_TYPE_NG_BVN"
)

// DUITypes lists the known document types.
var DUITypes = []DUIType{DUITypeBRCPF, DUITypeMXCURP, DUITypeUSSSN, DUITypeBRPassport, DUITypeARPassport, DUITypeARDNI, DUITypeNGNIN, DUITypeCLRUN, DUITypeECNI, DUITypeUSPassport, DUITypeGTCUI, DUITypeUYCI, DUITypeZZEmail, DUITypeIDNIK, DUITypeZZPhoneNumber, DUITypeUSDriverLicense, DUITypeNGBVN}

var duiTypeSet = setOf(DUITypes...)

// Known reports whether t is documented.
func (t DUIType) Known() bool { _, ok := duiTypeSet[t]; return ok }

// Purpose is the by-Unico process purpose.
type Purpose string

const (
	PurposeCreditProcess      Purpose = "creditprocess"
	PurposeBiometryOnboarding Purpose = "biometryonboarding"
	PurposeCarPurchase        Purpose = "carpurchase"
	PurposeAgeVerification    Purpose = "ageverification" // developer.unico.io only
)

// Purposes lists the known by-Unico purposes.
var Purposes = []Purpose{PurposeCreditProcess, PurposeBiometryOnboarding, PurposeCarPurchase, PurposeAgeVerification}

var purposeSet = setOf(Purposes...)

// Known reports whether p is documented.
func (p Purpose) Known() bool { _, ok := purposeSet[p]; return ok }

// DocumentPurpose is document.purpose of a by-Client document process.
type DocumentPurpose string

const (
	DocumentPurposeCreditProcess DocumentPurpose = "creditprocess"
	DocumentPurposeCarPurchase   DocumentPurpose = "carpurchase"
	DocumentPurposePayByPaycheck DocumentPurpose = "paybypaycheck"
	DocumentPurposeOnboarding    DocumentPurpose = "onboarding"
	DocumentPurposeFGTS          DocumentPurpose = "fgts"
)

// DocumentPurposes lists the known by-Client document purposes.
var DocumentPurposes = []DocumentPurpose{DocumentPurposeCreditProcess, DocumentPurposeCarPurchase, DocumentPurposePayByPaycheck, DocumentPurposeOnboarding, DocumentPurposeFGTS}

var documentPurposeSet = setOf(DocumentPurposes...)

// Known reports whether p is documented.
func (p DocumentPurpose) Known() bool { _, ok := documentPurposeSet[p]; return ok }

// UseCase is process.useCase (mandatory for idsmart).
type UseCase string

// UseCaseIdentityRevalidation7Days is the only value seen; the full enum is not published.
const UseCaseIdentityRevalidation7Days UseCase = "USE_CASE_IDENTITY_REVALIDATION_7_DAYS"

// UseCases lists the known values.
var UseCases = []UseCase{UseCaseIdentityRevalidation7Days}

// Known reports whether u is documented.
func (u UseCase) Known() bool { return u == UseCaseIdentityRevalidation7Days }

// EventType is the webhook's lastEvent (set only when a process expired).
type EventType string

const (
	EventProcessCreated                 EventType = "EVENT_TYPE_PROCESS_CREATED"
	EventQRCodeRead                     EventType = "EVENT_TYPE_QR_CODE_READ"
	EventProcessStartedByUser           EventType = "EVENT_TYPE_PROCESS_STARTED_BY_USER"
	EventIdentityValidationStepFinished EventType = "EVENT_TYPE_IDENTITY_VALIDATION_STEP_FINISHED"
	EventDocumentStepStarted            EventType = "EVENT_TYPE_DOCUMENT_STEP_STARTED"
	EventDocumentPhotoCaptured          EventType = "EVENT_TYPE_DOCUMENT_PHOTO_CAPTURED"
	EventDocumentUploadedFromGallery    EventType = "EVENT_TYPE_DOCUMENT_UPLOADED_FROM_GALLERY"
	EventDocumentStepFinished           EventType = "EVENT_TYPE_DOCUMENT_STEP_FINISHED"
	EventSessionEnded                   EventType = "EVENT_TYPE_SESSION_ENDED"
	EventErrorOnDocumentStep            EventType = "EVENT_TYPE_ERROR_ON_DOCUMENT_STEP"
)

// EventTypes lists the known event types.
var EventTypes = []EventType{EventProcessCreated, EventQRCodeRead, EventProcessStartedByUser, EventIdentityValidationStepFinished, EventDocumentStepStarted, EventDocumentPhotoCaptured, EventDocumentUploadedFromGallery, EventDocumentStepFinished, EventSessionEnded, EventErrorOnDocumentStep}

var eventTypeSet = setOf(EventTypes...)

// Known reports whether e is documented.
func (e EventType) Known() bool { _, ok := eventTypeSet[e]; return ok }

// DocumentCode is services[].documents[].doc.code (and, normalised, the by-Client document type).
type DocumentCode string

const (
	DocumentCodeCNH        DocumentCode = "CNH"        // driving licence
	DocumentCodeRG         DocumentCode = "RG"         // general registration
	DocumentCodeCIN        DocumentCode = "CIN"        // new national identity card
	DocumentCodePassaporte DocumentCode = "PASSAPORTE" // passport, Portuguese spelling
	DocumentCodePassport   DocumentCode = "PASSPORT"   // passport, English spelling
	DocumentCodeUnknown    DocumentCode = "UNKNOWN"    // not classified
)

// DocumentCodes lists the known codes.
var DocumentCodes = []DocumentCode{DocumentCodeCNH, DocumentCodeRG, DocumentCodeCIN, DocumentCodePassaporte, DocumentCodePassport, DocumentCodeUnknown}

var documentCodeSet = setOf(DocumentCodes...)

// Known reports whether c is documented.
func (c DocumentCode) Known() bool { _, ok := documentCodeSet[c]; return ok }

// ReferenceType is references[].referenceType of a by-Client 1:1 request.
type ReferenceType string

const (
	ReferenceTypeImageBase64 ReferenceType = "REFERENCE_TYPE_IMAGE_BASE64"
	ReferenceTypeProcessID   ReferenceType = "REFERENCE_TYPE_PROCESS_ID"
)

// Known reports whether t is documented.
func (t ReferenceType) Known() bool {
	return t == ReferenceTypeImageBase64 || t == ReferenceTypeProcessID
}

// Reusable-document query types (GET /documents/v1?type=) and the documentType values returned.
const (
	ReusableQueryRG       = "BR_RG"
	ReusableQueryCNH      = "BR_CNH"
	ReusableQueryCIN      = "BR_CIN"
	ReusableQueryPassport = "BR_PASSPORT"

	ReusableTypeRG       = "unico.moja.dictionary.br.rg.v2.Rg"
	ReusableTypeCNH      = "unico.moja.dictionary.br.cnh.v2.Cnh"
	ReusableTypeCIN      = "unico.moja.dictionary.br.cin.v1.Cin"
	ReusableTypePassport = "unico.moja.dictionary.br.passaporte.v1.Passaporte"
)

// ReusableQueryTypes lists the documented values of the type query parameter.
var ReusableQueryTypes = []string{ReusableQueryRG, ReusableQueryCNH, ReusableQueryCIN, ReusableQueryPassport}
