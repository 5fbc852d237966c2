/**
 * The "Secret" and "Code" sections of a finding page (issue 17): where the secret or the flaw is, the
 * masked line or the sink's source, the taint trace step by step, and the suggested fix as before
 * and after. The secret itself never reaches the console: the API keeps only its prefix and hash.
 */
import type { ReactNode } from 'react';
import type { CodeDetails, CodeLocation, SecretDetails } from '../../types.ts';
import { formatTime, shortDigest } from '../../format.ts';
import { Fields } from '../common.tsx';
import { CONFIDENCE_LABELS, cweHref, LANGUAGE_LABELS, locationText, shortCommit, SOURCE_LABELS, TRACE_KIND_LABELS } from './labels.ts';

/** Source lines with their line numbers (from `firstLine`), in a scrollable monospace block. */
export function Snippet({ text, firstLine, label, className }: { text: string; firstLine: number; label: string; className?: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    // focusable: a long line scrolls inside the box, and the keyboard must be able to scroll it too
    <div className={`code-snippet${className ? ` ${className}` : ''}`} role="group" aria-label={label} tabIndex={0}>
      <pre>
        {lines.map((l, i) => (
          <span key={i} className="code-line">
            <span className="code-ln" aria-hidden="true">{firstLine > 0 ? firstLine + i : ''}</span>
            <code>{l || ' '}</code>
            {'\n'}
          </span>
        ))}
      </pre>
    </div>
  );
}

/** "path:line:column", then the range's end when it spans lines. */
function LocationValue({ l }: { l: CodeLocation }) {
  return (
    <span className="mono code-location" data-testid="code-location">
      {locationText(l)}
      {l.endLine && l.endLine !== l.line ? <span className="muted"> – line {l.endLine}</span> : null}
    </span>
  );
}

/** The image layer that brought the file, when the file came from an image. */
function layerFields(l: CodeLocation): [string, ReactNode][] {
  if (!l.layer) return [];
  return [
    ['Image layer', <span key="l" className="mono" title={l.layer.digest}>{l.layer.index !== undefined ? `#${l.layer.index} · ` : ''}{shortDigest(l.layer.digest, 16)}</span>],
    ...(l.layer.createdBy ? [['Layer created by', <code key="c" className="created-by">{l.layer.createdBy}</code>] as [string, ReactNode]] : []),
  ];
}

/** The commit that added a secret found in the git history. */
function commitFields(l: CodeLocation): [string, ReactNode][] {
  const c = l.commit;
  if (!c) return [];
  return [
    ['Commit', <span key="c" className="mono" title={c.id}>{shortCommit(c.id)}</span>],
    ['Author', c.author],
    ['Committed', formatTime(c.date)],
    ['In the current tree', c.inHead ? 'Yes' : <strong key="h" className="status-bad">No — removed from the current tree, still in the history</strong>],
  ];
}

export function SecretSection({ s }: { s: SecretDetails }) {
  return (
    <>
      <p className="code-lead" data-testid="secret-lead">
        A <strong>{s.provider}</strong> credential (<span className="mono">{s.rule}</span>) is written in{' '}
        <span className="mono">{locationText(s.location)}</span>
        {s.location.layer ? <>, in the image layer{s.location.layer.index !== undefined ? ` #${s.location.layer.index}` : ''}{s.location.layer.createdBy ? <> (<code className="created-by">{s.location.layer.createdBy}</code>)</> : null}</> : null}
        {s.location.commit && !s.location.commit.inHead ? <>, in the git history: the commit <span className="mono">{shortCommit(s.location.commit.id)}</span> added it and a later one removed it from the current tree</> : null}.
        {' '}The secret is not stored: its prefix and a hash identify it.
      </p>
      <Snippet text={s.snippet} firstLine={s.location.line} label="The line, the secret masked" className="secret-snippet" />
      {s.note ? <p className="muted small code-note">{s.note}</p> : null}
      <Fields items={[
        ['Provider', s.provider],
        ['Rule', <span key="r" className="mono">{s.rule}</span>],
        ['Confidence', <span key="c" data-testid="secret-confidence">{CONFIDENCE_LABELS[s.confidence] ?? s.confidence}</span>],
        ['Prefix', <span key="p" className="mono">{s.prefix}…</span>],
        ['Hash (SHA-256)', <span key="h" className="mono" title={s.hash}>{s.hash.slice(0, 16)}…</span>],
        ['Length', `${s.length} characters`],
        ['Location', <LocationValue key="l" l={s.location} />],
        ...layerFields(s.location),
        ...commitFields(s.location),
      ]} />
    </>
  );
}

export function CodeSection({ c }: { c: CodeDetails }) {
  return (
    <>
      <Snippet text={c.snippet} firstLine={c.location.line} label="The flagged source" />
      <Fields items={[
        ['Weakness', (
          <span key="w" className="cwe-list">
            {c.cwe.length ? c.cwe.map((w, i) => {
              const href = cweHref(w);
              return <span key={w}>{i ? ', ' : ''}{href ? <a href={href} target="_blank" rel="noopener noreferrer">{w}</a> : w}</span>;
            }) : '—'}
          </span>
        )],
        ['Language', LANGUAGE_LABELS[c.language] ?? c.language],
        ['Rule', <span key="r" className="mono">{c.rule}</span>],
        ['Location', <LocationValue key="l" l={c.location} />],
        ...(c.source ? [['Tainted input', SOURCE_LABELS[c.source] ?? c.source] as [string, ReactNode]] : []),
        ...layerFields(c.location),
      ]} />

      <h3 className="code-sub">Taint trace</h3>
      {c.trace.length ? (
        <ol className="code-trace" aria-label="Taint trace, from the source to the sink">
          {c.trace.map((t, i) => (
            <li key={i} className={`trace-step trace-${t.kind}`} data-kind={t.kind}>
              <span className="trace-kind">{TRACE_KIND_LABELS[t.kind] ?? t.kind}</span>
              <span className="trace-loc mono" title={locationText(t.location)}>{t.location.path}:{t.location.line}</span>
              <span className="trace-label">{t.label}</span>
            </li>
          ))}
        </ol>
      ) : <p className="muted" data-testid="no-trace">No trace: this flaw needs no tainted input (the flagged code is unsafe whatever reaches it).</p>}

      {c.fix ? (
        <>
          <h3 className="code-sub">Suggested fix</h3>
          <p data-testid="code-fix-description">{c.fix.description}</p>
          {c.fix.replacement !== undefined ? (
            <div className="code-fix">
              <div>
                <div className="code-fix-label">Before</div>
                <Snippet text={c.snippet} firstLine={c.location.line} label="Before the fix" className="fix-before" />
              </div>
              <div>
                <div className="code-fix-label">After</div>
                <Snippet text={c.fix.replacement} firstLine={c.location.line} label="After the fix" className="fix-after" />
              </div>
            </div>
          ) : null}
        </>
      ) : null}
    </>
  );
}
