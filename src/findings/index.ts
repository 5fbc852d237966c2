/**
 * The continuous findings core: recording scans, rematching after advisory updates, the finding
 * lifecycle, suppression rules and aggregations. See README.md.
 */
export * from './types.ts';
export { findingKeyOf, findingIdOf, packageFindingKeyOf, resourceIdOf } from './keys.ts';
export { recordScan, registerResource, setCoverage, packageRow, packageFromRow } from './record.ts';
export { rematchChangeSet, rematchAll, type RematchHooks } from './rematch.ts';
export { applySuppressionRules, createSuppressionRule, deleteSuppressionRule, listSuppressionRules, activeRules, criteriaMatch, previewSuppression, openFindingPages, type RuleSubject, type OpenFinding } from './suppression.ts';
export { countFindings, takeDailySnapshot, findingTimeSeries, affectedResources, purgeClosed, type CountBy, type CountRow, type FindingsWhere, type SeriesPoint, type AffectedResource } from './aggregate.ts';
export { desiredFindings, type DesiredFinding } from './lifecycle.ts';
export { buildScanResult, loadAdvisoryContext, severityOf, type AdvisoryContext } from './scan-result.ts';
// issue 16: the Vigil score
export { vigilScore, exploitInputs, rescore, resourceScoreContext, contextKey, SCORE_WEIGHTS, UNREACHABLE_MAV, KEV_UNSCORED_SEVERITY, KEV_RANSOMWARE_UNSCORED_SEVERITY, SCORING_FORMULA, type ResourceScoreContext, type ScoreInput } from './score.ts';
export { setResourceReachability, notePulls, pullChangesInUse, rescoreAgedImages } from './rescore.ts';
export { rescoreResources } from './rematch.ts';
// issue 19: gating (docs/gating.md)
export { evaluateGate, failureVerdict, parseGatePolicy, validateGatePolicy, gatePolicySchema, selectorMatches, gateFindingsOfScan, gateFindingsOfResource, resolveGateImage, GATE_FINDING_TYPES, type GatePolicy, type GatePolicyInput, type GateFinding, type GateContext, type GateVerdict, type GateReason, type GateExemption, type GateImage } from './gate.ts';
export { putGatePolicy, getGatePolicy, listGatePolicies, deleteGatePolicy, policyByToken, readPolicyBody, GATE_POLICY_NAME, type StoredGatePolicy } from './gate-policies.ts';
