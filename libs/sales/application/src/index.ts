export * from './sales.module';
export { SALES_CHECKPOINTS, SALES_REACTOR_OPTIONS, SalesReactors, type SalesReactorOptions } from './sales-reactors';
export { LEAD_KEY_CLAIMS_OPTIONS, type LeadKeyClaimsOptions } from './lead/dedupe/lead-key-claims';
export { blindLeadKey, LEAD_KEY_CATEGORY, leadKeyStream } from './lead/dedupe/lead-key-claim';
export {
  NATIONAL_ID_CATEGORY,
  nationalIdClaimDecider,
  nationalIdClaimKey,
  nationalIdStream,
  type AccountNationalIdClaimed,
  type NationalIdClaims,
} from './account/national-id/national-id-claim';
export { CLAIM_NATIONAL_ID, executeClaimingNationalId, holdsNationalId, nationalIdTaken } from './account/national-id/national-id-guard';
export { LeadQualificationProcess, type QualificationOutcome } from './lead/lead-qualification.process';
export { QuoteAcceptancePolicy } from './quote/quote-acceptance.policy';
