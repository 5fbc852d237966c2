/**
 * SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html).
 * One rule per vulnerability id; one result per finding, located at the package's files.
 * `properties.security-severity` is the number GitHub code scanning reads to rank security
 * results (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object).
 */
import type { CodeLocation, ScanFinding, ScanResult, Severity } from '../../model/index.ts';
import { canonicalize, cmp, fixFor, layerLabel, severityRank, sha256Hex } from './common.ts';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note', NONE: 'note', UNKNOWN: 'warning',
};

/** Without a CVSS score, a number inside the severity's band (GitHub's bands: ≥9 critical, ≥7 high, ≥4 medium). */
const BAND_SCORE: Partial<Record<Severity, number>> = { CRITICAL: 9.0, HIGH: 7.0, MEDIUM: 4.0, LOW: 0.1, NONE: 0.0 };

function advisoryUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** A package path as a URI reference relative to the target's root. */
function toUri(path: string): string {
  return encodeURI(path.replace(/^\/+/, ''));
}

/** The rule's score: the highest CVSS base score among the findings of this vulnerability. */
function ruleScore(fs: ScanFinding[]): string | undefined {
  if (fs.some((f) => f.type === 'malicious')) return '10.0';
  const scores = fs.map((f) => f.cvss?.score).filter((s): s is number => typeof s === 'number');
  const s = scores.length ? Math.max(...scores) : BAND_SCORE[fs.map((f) => f.severity).sort((a, b) => severityRank(a) - severityRank(b))[0]];
  return s === undefined ? undefined : s.toFixed(1);
}

/** The scan as a SARIF 2.1.0 log. Suppressed findings are kept, with a SARIF `suppressions` entry. */
export function renderSarif(result: ScanResult): string {
  const r = canonicalize(result);
  const byVuln = new Map<string, ScanFinding[]>();
  for (const f of r.findings) byVuln.set(f.vulnerability, [...(byVuln.get(f.vulnerability) ?? []), f]);
  const ruleIds = [...byVuln.keys()].sort(cmp);
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));

  const rules = ruleIds.map((id) => {
    const fs = byVuln.get(id)!;
    const worst = [...fs].sort((a, b) => severityRank(a.severity) - severityRank(b.severity))[0];
    const summary = fs.find((f) => f.summary)?.summary ?? id;
    const advisories = [...new Set(fs.flatMap((f) => [f.id, ...f.aliases]))].filter((a) => a !== id).sort(cmp);
    const cvss = fs.find((f) => f.cvss)?.cvss;
    const malicious = worst.type === 'malicious';
    const helpLines = [
      `${malicious ? 'Malicious package' : 'Vulnerability'} ${id}: ${summary}`,
      `Severity: ${worst.severity}${cvss ? ` (CVSS ${cvss.version} ${cvss.score}, ${cvss.vector}, from ${cvss.source})` : ''}`,
      ...(advisories.length ? [`Advisories and aliases: ${advisories.join(', ')}`] : []),
      malicious ? 'Remove the package and rotate any credentials the environment held.' : 'Upgrade the affected package to the fixed version shown in each result.',
    ];
    const score = ruleScore(fs);
    return {
      id,
      name: malicious ? 'MaliciousPackage' : 'VulnerablePackage',
      shortDescription: { text: summary },
      fullDescription: { text: summary },
      defaultConfiguration: { level: LEVEL[worst.severity] },
      helpUri: advisoryUrl(id),
      help: {
        text: helpLines.join('\n'),
        markdown: helpLines.map((l, i) => (i === 0 ? `**${l}**` : l)).join('\n\n'),
      },
      properties: {
        precision: 'very-high',
        ...(score !== undefined ? { 'security-severity': score } : {}),
        tags: ['security', malicious ? 'malicious' : 'vulnerability', worst.severity.toLowerCase()],
      },
    };
  });

  const results = r.findings.map((f) => {
    const p = r.packages[f.packageIndex];
    const fixed = f.fixedVersion;
    const guidance = fixFor(r, f);
    const paths = p.locations?.length ? p.locations : [r.target.ref];
    const text = f.type === 'malicious'
      ? `Malicious package ${p.name}@${f.installedVersion} (${p.ecosystem}): ${f.id}.`
      : `Package ${p.name}@${f.installedVersion} (${p.ecosystem}) is affected by ${f.vulnerability}${f.id !== f.vulnerability ? ` (${f.id})` : ''}. ${fixed ? `Fixed in ${fixed}.` : 'No fixed version.'}`;
    return {
      ruleId: f.vulnerability,
      ruleIndex: ruleIndex.get(f.vulnerability)!,
      level: LEVEL[f.severity],
      message: { text },
      locations: paths.map((path) => ({
        physicalLocation: { artifactLocation: { uri: toUri(path) } },
        ...(p.layer ? { message: { text: `layer ${layerLabel(p.layer, 80)}` } } : {}),
      })),
      partialFingerprints: { 'vigil/v1': sha256Hex([f.vulnerability, f.id, p.purl ?? `${p.ecosystem}/${p.name}@${p.version}`, paths.join(';')].join('|')) },
      ...(f.suppressed ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${f.suppressed.reason} (${f.suppressed.source})` }] } : {}),
      properties: {
        advisory: f.id,
        ecosystem: p.ecosystem,
        package: p.name,
        installedVersion: f.installedVersion,
        fixedVersion: fixed,
        fixGuidance: guidance,
        severity: f.severity,
        ...(p.purl ? { purl: p.purl } : {}),
        ...(p.layer ? { layer: { index: p.layer.index, digest: p.layer.digest, ...(p.layer.createdBy ? { createdBy: p.layer.createdBy } : {}) } } : {}),
      },
    };
  });

  // issue 17: secrets and code flaws — a rule per detector rule (code rules carry their CWE as
  // `external/cwe/cwe-N` tags, which GitHub code scanning reads), results at file, line and column
  const fileRules = new Map<string, { rule: object; worst: Severity }>();
  const fileRule = (id: string, make: () => object, severity: Severity) => {
    const e = fileRules.get(id);
    if (!e) fileRules.set(id, { rule: make(), worst: severity });
    else if (severityRank(severity) < severityRank(e.worst)) e.worst = severity;
  };
  for (const f of r.secrets ?? []) {
    fileRule(`secret/${f.rule}`, () => ({
      id: `secret/${f.rule}`, name: 'HardcodedSecret',
      shortDescription: { text: `${f.provider} secret (${f.rule})` }, fullDescription: { text: f.title },
      help: { text: `A ${f.provider} secret is written in the file. Revoke it at ${f.provider}, issue a new one, and read it from a secret store or the environment instead; removing it from the file does not remove it from history.`, markdown: `**${f.title}**\n\nRevoke the secret at ${f.provider}, issue a new one, and read it from a secret store or the environment instead. Removing it from the file does not remove it from history.` },
      properties: { precision: f.confidence === 'entropy' ? 'medium' : 'very-high', tags: ['security', 'secret', 'external/cwe/cwe-798'] },
    }), f.severity);
  }
  for (const f of r.code ?? []) {
    fileRule(f.rule, () => ({
      id: f.rule, name: f.rule.split('/').pop()!.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
      shortDescription: { text: f.title }, fullDescription: { text: `${f.title} (${f.cwe.join(', ')})` },
      help: { text: f.remediation, markdown: f.remediation },
      properties: { precision: f.trace.length ? 'high' : 'medium', tags: ['security', 'code', ...f.cwe.map((c) => `external/cwe/${c.toLowerCase()}`)] },
    }), f.severity);
  }
  const fileRuleIds = [...fileRules.keys()].sort(cmp);
  for (const id of fileRuleIds) {
    const e = fileRules.get(id)!;
    const rule = e.rule as { properties: Record<string, unknown> };
    rules.push({ ...(e.rule as typeof rules[number]), defaultConfiguration: { level: LEVEL[e.worst] }, properties: { ...rule.properties, 'security-severity': (BAND_SCORE[e.worst] ?? 4.0).toFixed(1) } } as typeof rules[number]);
  }
  const indexOf = (id: string) => ruleIds.length + fileRuleIds.indexOf(id);
  const region = (l: CodeLocation) => ({ startLine: l.line, startColumn: l.column, ...(l.endLine ? { endLine: l.endLine } : {}), ...(l.endColumn ? { endColumn: l.endColumn } : {}) });
  const physical = (l: CodeLocation) => ({ physicalLocation: { artifactLocation: { uri: toUri(l.path) }, region: region(l) } });
  const suppression = (x: { suppressed?: { reason: string; source: string } }) => (x.suppressed ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: `${x.suppressed.reason} (${x.suppressed.source})` }] } : {});
  for (const f of r.secrets ?? []) {
    const c = f.location.commit;
    (results as object[]).push({
      ruleId: `secret/${f.rule}`, ruleIndex: indexOf(`secret/${f.rule}`), level: LEVEL[f.severity],
      message: { text: `${f.title}: ${f.secret.prefix}… (${f.secret.length} characters)${c ? ` added in commit ${c.id.slice(0, 12)} by ${c.author} on ${c.date.slice(0, 10)}${c.inHead ? '' : ', since removed from the tree'}` : ''}${f.note ? `; ${f.note}` : ''}` },
      locations: [{ ...physical(f.location), ...(f.location.layer ? { message: { text: `layer ${layerLabel(f.location.layer, 80)}` } } : {}) }],
      partialFingerprints: { 'vigil/v1': sha256Hex(['secret', f.rule, f.secret.hash, f.location.path].join('|')) },
      ...suppression(f),
      properties: { severity: f.severity, provider: f.provider, confidence: f.confidence, secretHash: f.secret.hash, ...(c ? { commit: c } : {}) },
    });
  }
  for (const f of r.code ?? []) {
    (results as object[]).push({
      ruleId: f.rule, ruleIndex: indexOf(f.rule), level: LEVEL[f.severity],
      message: { text: `${f.title}${f.trace.length ? ` (from ${f.trace[0].label})` : ''}` },
      locations: [physical(f.location)],
      ...(f.trace.length ? { codeFlows: [{ threadFlows: [{ locations: f.trace.map((t) => ({ location: { ...physical(t.location), message: { text: t.label } }, kinds: [t.kind] })) }] }] } : {}),
      ...(f.fix?.replacement !== undefined ? { fixes: [{ description: { text: f.fix.description }, artifactChanges: [{ artifactLocation: { uri: toUri(f.location.path) }, replacements: [{ deletedRegion: region(f.location), insertedContent: { text: f.fix.replacement } }] }] }] } : {}),
      partialFingerprints: { 'vigil/v1': sha256Hex(['code', f.rule, f.location.path, f.snippet.trim()].join('|')) },
      ...suppression(f),
      properties: { severity: f.severity, cwe: f.cwe, language: f.language },
    });
  }

  const log = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'vigil',
          version: r.tool.version,
          semanticVersion: r.tool.version,
          rules,
        },
      },
      automationDetails: { id: `vigil/${r.target.kind}/${r.target.ref}/` },
      results,
      // a partial scan says so where SARIF viewers look for run problems: tool execution notifications
      ...(r.partial ? {
        invocations: [{
          executionSuccessful: true,
          toolExecutionNotifications: r.partial.examples.map((e) => ({ level: 'warning', descriptor: { id: e.rule }, message: { text: `skipped: ${e.path} (${e.rule})` } })),
        }],
      } : {}),
      properties: { target: r.target.ref, targetKind: r.target.kind, ...(r.target.digest ? { digest: r.target.digest } : {}), createdAt: r.createdAt, ...(r.partial ? { partial: r.partial } : {}) },
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
