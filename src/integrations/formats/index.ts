/**
 * Central finding formats and chat/ticket formatters: pure functions of a finding as the API answers
 * `GET /v1/findings/{id}` (and of an event as `GET /v1/events` lists it). They build payloads; they
 * never send them (event destinations do, through src/policy). See README.md.
 */
export type { FindingView, FindingDetailsView, CodeLocationView, EventView, FindingEventType, FindingSeverity, FindingStatus, FormatContext } from './types.ts';
export { FINDING_EVENT_TYPES } from './types.ts';
export { toOcsf, toOcsfEvent, OCSF_VERSION, OCSF_CLASS_UID, OCSF_SEVERITY_ID, OCSF_STATUS_ID, OCSF_ACTIVITY, type OcsfActivity, type OcsfOptions } from './ocsf.ts';
export { toAsff, ASFF_SCHEMA_VERSION, ASFF_SEVERITY, ASFF_STATUS, ASFF_LIMITS, type AsffContext } from './asff.ts';
export { toSlackMessage, slackEscape, SLACK_LIMITS } from './slack.ts';
export { toTeamsMessage, ADAPTIVE_CARD_CONTENT_TYPE, ADAPTIVE_CARD_VERSION } from './teams.ts';
export {
  toJiraIssue, toJiraComment, toJiraClose, jiraLabel, jiraSearchJql, jiraSummary, jiraDescription, wikiEscape,
  JIRA_LIMITS, JIRA_DEFAULT_PRIORITIES, type JiraContext, type JiraCloseIntent,
} from './jira.ts';
