/**
 * The server's 400 answers shown at the field they name: `details.input` (a Vigil error) or
 * `details.issues[0].field` (a schema error), as a dotted path ("jira.projectKey", "aws.accountId",
 * "schedule.daily.startTime.timezone"). A form lists the paths it has a control for; an error naming
 * one of them (or a path under it) is shown under that control, any other error at the form's end.
 */
import type { ReactNode } from 'react';
import { ErrorMessage } from '../common.tsx';

/** The dotted path an API error names, without a leading `body.`/`querystring.`; null when it names none. */
export function errorPath(error: unknown): string | null {
  const details = (error as { details?: unknown } | null)?.details;
  if (!details || typeof details !== 'object') return null;
  const d = details as { input?: unknown; issues?: { field?: unknown }[] };
  const raw = typeof d.issues?.[0]?.field === 'string' ? d.issues[0].field : typeof d.input === 'string' ? d.input : null;
  return raw ? raw.replace(/^(body|querystring)\./, '').replace(/\[(\d+)\]/g, '.$1') : null;
}

const under = (path: string, field: string) => path === field || path.startsWith(`${field}.`);

export interface FieldErrors {
  /** whether the error belongs to this control (for aria-invalid) */
  invalid(field: string): boolean;
  /** the message under the control, or nothing */
  at(field: string, id?: string): ReactNode;
  /** the error when no control of the form owns it, else nothing */
  rest: ReactNode;
}

/** @param fields the paths this form has a control for, most specific first */
export function fieldErrors(error: unknown, fields: readonly string[]): FieldErrors {
  const path = error ? errorPath(error) : null;
  const owner = path ? fields.find((f) => under(path, f)) ?? null : null;
  const message = error instanceof Error ? error.message : '';
  return {
    invalid: (field) => owner === field,
    at: (field, id) => (owner === field ? <p className="field-error" role="alert" id={id}>{message}</p> : null),
    rest: error && !owner ? <ErrorMessage error={error} /> : null,
  };
}
