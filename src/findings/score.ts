/**
 * The Vigil score (formula "vigil-1"), one pure function of a finding's vulnerability data and its
 * resource's context. Published in docs/scoring.md: every weight below appears in its table (a test
 * checks that the two agree), with one worked example per adjustment.
 *
 * Start from the best CVSS base score (the advisory's own vector, then the CVE's from enrichment),
 * then apply, in this order, each adjustment whose condition holds — each recorded as
 * `{metric, from, to, reason}`, clamped to 0–10 and rounded to one decimal after every step:
 * reachability → kev → exploit → epss → inUse → fix. The severity follows from the score (CVSS
 * bands). Without a base score only KEV applies, and it raises the severity instead.
 */
import { attackVectorOf, cvssWithModifiedAttackVector, severityFromScore, type CveEnrichment, type ResourceReachability, type ScoreAdjustment, type ScoringBase, type ScoringInputs, type Severity, type VigilScoring } from '../model/index.ts';

/** Every weight and threshold of the formula: the one source docs/scoring.md is checked against. */
export const SCORE_WEIGHTS = {
  /** known exploited (CISA KEV): added to the score… */
  KEV_BONUS: 2.0,
  /** …and the score is at least this (HIGH) */
  KEV_FLOOR: 7.0,
  /** KEV with knownRansomwareCampaignUse "Known": at least this (CRITICAL) */
  KEV_RANSOMWARE_FLOOR: 9.0,
  /** public exploit, SSVC exploitation "active" (and not in KEV) */
  EXPLOIT_ACTIVE_BONUS: 1.0,
  /** public proof of concept, SSVC exploitation "poc" (and not in KEV) */
  EXPLOIT_POC_BONUS: 0.5,
  /** EPSS percentile at or above this… */
  EPSS_TOP_PERCENTILE: 0.99,
  /** …adds this */
  EPSS_TOP_BONUS: 1.0,
  /** EPSS percentile at or above this (and below the top) … */
  EPSS_HIGH_PERCENTILE: 0.9,
  /** …adds this */
  EPSS_HIGH_BONUS: 0.5,
  /** an image whose last registry pull is older than this many days is not in use */
  IN_USE_WINDOW_DAYS: 90,
  /** an image not in use: subtracted */
  NOT_IN_USE_PENALTY: 1.0,
  /** no fixed version known: subtracted (nothing to upgrade to; fixable findings of the same risk rank first) */
  NO_FIX_PENALTY: 0.5,
} as const;

/** Unreachable from the internet: the AV:N vector is scored again with this Modified Attack Vector (ADJACENT). */
export const UNREACHABLE_MAV = 'A' as const;
/** Severity a KEV finding without any score is raised to (at least), and with known ransomware use. */
export const KEV_UNSCORED_SEVERITY: Severity = 'HIGH';
export const KEV_RANSOMWARE_UNSCORED_SEVERITY: Severity = 'CRITICAL';
export const SCORING_FORMULA = 'vigil-1' as const;

const SEVERITY_RANK: Severity[] = ['UNKNOWN', 'NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const worse = (a: Severity, b: Severity): Severity => (SEVERITY_RANK.indexOf(a) >= SEVERITY_RANK.indexOf(b) ? a : b);
/** clamped to 0–10, one decimal (rounding away binary noise: 7.8 + 0.5 is 8.3, not 8.299999) */
const bound = (x: number) => Math.min(10, Math.max(0, Math.round(x * 10 + 1e-9) / 10));
const fmt = (x: number) => x.toFixed(1);

export interface ScoreInput extends ScoringInputs {
  type: 'vulnerability' | 'malicious';
  base: ScoringBase | null;
}

/**
 * The Vigil score of one finding.
 * @throws never for valid inputs: a base vector that the CVSS calculator rejects when scored with
 *   MAV (it was scored before) only skips the reachability adjustment.
 */
export function vigilScore(input: ScoreInput): VigilScoring {
  const { type, base, ...rest } = input;
  const inputs: ScoringInputs = rest;
  if (type === 'malicious') {
    return { formula: SCORING_FORMULA, base: null, basis: 'malicious', inputs, adjustments: [], score: null, severity: 'CRITICAL' };
  }
  const W = SCORE_WEIGHTS;
  const adjustments: ScoreAdjustment[] = [];
  if (!base) {
    let severity: Severity = inputs.advisorySeverity ?? 'UNKNOWN';
    if (inputs.kev) {
      const ransomware = inputs.kev.knownRansomwareCampaignUse === 'Known';
      const to = worse(severity, ransomware ? KEV_RANSOMWARE_UNSCORED_SEVERITY : KEV_UNSCORED_SEVERITY);
      adjustments.push({
        metric: 'kev', from: null, to: null, fromSeverity: severity, toSeverity: to,
        reason: `${inputs.kev.cve} is in CISA KEV (added ${inputs.kev.dateAdded}${ransomware ? ', known ransomware use' : ''}); no CVSS score: severity at least ${to === severity ? severity : to}`,
      });
      severity = to;
    }
    return { formula: SCORING_FORMULA, base: null, basis: inputs.advisorySeverity ? 'advisory' : 'none', inputs, adjustments, score: null, severity };
  }

  let score = bound(base.score);
  const step = (metric: ScoreAdjustment['metric'], to: number, reason: string) => {
    const t = bound(to);
    adjustments.push({ metric, from: score, to: t, reason });
    score = t;
  };

  // 1. reachability: environmental — the vector itself scored with the attack vector lowered
  const av = attackVectorOf(base.vector);
  if (inputs.reachability && av === 'N') {
    const src = inputs.reachability.source;
    if (inputs.reachability.internet) {
      step('reachability', score, `reachable from the internet (${src}): attack vector NETWORK confirmed, no change`);
    } else {
      let env: number | undefined;
      try { env = cvssWithModifiedAttackVector(base.vector, UNREACHABLE_MAV); } catch { env = undefined; }
      if (env !== undefined) {
        const delta = env - base.score;
        step('reachability', score + delta, `attack vector NETWORK but not reachable from the internet (${src}): scored with MAV:${UNREACHABLE_MAV} (CVSS ${base.version} ${fmt(base.score)} → ${fmt(env)}, ${delta <= 0 ? '' : '+'}${fmt(delta)})`);
      }
    }
  }
  // 2. known exploited in the wild
  if (inputs.kev) {
    const ransomware = inputs.kev.knownRansomwareCampaignUse === 'Known';
    const floor = ransomware ? W.KEV_RANSOMWARE_FLOOR : W.KEV_FLOOR;
    step('kev', Math.max(score + W.KEV_BONUS, floor),
      `${inputs.kev.cve} is in CISA KEV (added ${inputs.kev.dateAdded}${ransomware ? ', known ransomware use' : ''}): +${fmt(W.KEV_BONUS)}, at least ${fmt(floor)}`);
  } else if (inputs.exploitation) {
    // 3. a public exploit (KEV already counts it)
    const bonus = inputs.exploitation === 'active' ? W.EXPLOIT_ACTIVE_BONUS : W.EXPLOIT_POC_BONUS;
    step('exploit', score + bonus, `SSVC exploitation "${inputs.exploitation}" (CISA Vulnrichment): ${inputs.exploitation === 'active' ? 'exploited' : 'public proof of concept'}, +${fmt(bonus)}`);
  }
  // 4. EPSS
  if (inputs.epss) {
    const { percentile, probability, cve } = inputs.epss;
    const tier = percentile >= W.EPSS_TOP_PERCENTILE ? { at: W.EPSS_TOP_PERCENTILE, bonus: W.EPSS_TOP_BONUS }
      : percentile >= W.EPSS_HIGH_PERCENTILE ? { at: W.EPSS_HIGH_PERCENTILE, bonus: W.EPSS_HIGH_BONUS } : undefined;
    if (tier) {
      step('epss', score + tier.bonus, `${cve} EPSS ${(probability * 100).toFixed(2)}% (percentile ${percentile.toFixed(3)} ≥ ${tier.at}${inputs.epss.date ? `, ${inputs.epss.date}` : ''}): +${fmt(tier.bonus)}`);
    }
  }
  // 5. image in use (running containers, registry pulls)
  if (inputs.inUse && !inputs.inUse.inUse) {
    step('inUse', score - W.NOT_IN_USE_PENALTY, `image not running and not pulled in the last ${inputs.inUse.windowDays} days: −${fmt(W.NOT_IN_USE_PENALTY)}`);
  }
  // 6. fix availability
  if (!inputs.fixAvailable) {
    step('fix', score - W.NO_FIX_PENALTY, `no fixed version known: −${fmt(W.NO_FIX_PENALTY)}`);
  }
  return { formula: SCORING_FORMULA, base, basis: 'cvss', inputs, adjustments, score, severity: severityFromScore(score) };
}

/**
 * The exploit intelligence of a vulnerability from its CVEs' enrichment: the earliest KEV entry,
 * the highest EPSS percentile, the strongest SSVC exploitation. A DSA naming several CVEs takes the
 * worst of them, like its base.
 */
export function exploitInputs(cves: readonly string[], enrichment: ReadonlyMap<string, CveEnrichment>): Pick<ScoringInputs, 'kev' | 'epss' | 'exploitation'> {
  const out: Pick<ScoringInputs, 'kev' | 'epss' | 'exploitation'> = {};
  for (const cve of [...new Set(cves)].sort()) {
    const e = enrichment.get(cve);
    if (!e) continue;
    if (e.kev) {
      const ransomware = e.kev.knownRansomwareCampaignUse === 'Known';
      const prev = out.kev;
      // ransomware use first, then the earliest added
      if (!prev || (ransomware && prev.knownRansomwareCampaignUse !== 'Known') || ((ransomware === (prev.knownRansomwareCampaignUse === 'Known')) && e.kev.dateAdded < prev.dateAdded)) {
        out.kev = { cve, dateAdded: e.kev.dateAdded, ...(e.kev.knownRansomwareCampaignUse ? { knownRansomwareCampaignUse: e.kev.knownRansomwareCampaignUse } : {}) };
      }
    }
    if (e.epss && (!out.epss || e.epss.percentile > out.epss.percentile)) {
      out.epss = { cve, probability: e.epss.score, percentile: e.epss.percentile, ...(e.epss.date ? { date: e.epss.date } : {}) };
    }
    const x = e.ssvc?.exploitation;
    if (x === 'active' || (x === 'poc' && out.exploitation !== 'active')) out.exploitation = x;
  }
  return out;
}

/** The resource context the score uses: an image's pull signal and the network reachability. */
export interface ResourceScoreContext {
  inUse?: { inUse: boolean; windowDays: number };
  reachability?: { internet: boolean; source: string };
}

/**
 * A resource's score context from its stored columns: an image's use — containers running it now
 * (`running_containers`, issue 19 workload snapshots), when one last ran (`last_in_use_at`) and its
 * last registry pull (`last_pulled_at`); an image with none of them recorded gives no signal — and
 * `attributes.reachability` (set by the network analysis; absent = no signal), at time `now`.
 * In use: running now, or ran or pulled within the window.
 */
export function resourceScoreContext(r: { type: string; last_pulled_at?: string | null; running_containers?: number | null; last_in_use_at?: string | null; reachability?: ResourceReachability | null }, now: Date): ResourceScoreContext {
  const ctx: ResourceScoreContext = {};
  const running = r.running_containers ?? 0;
  if (r.type === 'image' && (r.last_pulled_at || r.last_in_use_at || running > 0)) {
    const days = SCORE_WEIGHTS.IN_USE_WINDOW_DAYS;
    const recent = (at: string | null | undefined) => !!at && now.getTime() - Date.parse(at) <= days * 86_400_000;
    ctx.inUse = { inUse: running > 0 || recent(r.last_in_use_at) || recent(r.last_pulled_at), windowDays: days };
  }
  const re = r.reachability;
  if (re && typeof re.internet === 'boolean') ctx.reachability = { internet: re.internet, source: typeof re.source === 'string' && re.source ? re.source : 'unknown' };
  return ctx;
}

/** A short key of a context: resources with equal keys get equal findings from one template. '' = no signal. */
export function contextKey(ctx: ResourceScoreContext): string {
  const parts: string[] = [];
  if (ctx.inUse) parts.push(`u${ctx.inUse.inUse ? 1 : 0}:${ctx.inUse.windowDays}`);
  if (ctx.reachability) parts.push(`r${ctx.reachability.internet ? 1 : 0}:${ctx.reachability.source}`);
  return parts.join('|');
}

/** The same finding scored again in a resource's context (the inputs of `scoring` and the context's). */
export function rescore(scoring: VigilScoring, ctx: ResourceScoreContext): VigilScoring {
  const { inUse: _u, reachability: _r, ...inputs } = scoring.inputs;
  const type = scoring.basis === 'malicious' ? 'malicious' : 'vulnerability';
  return vigilScore({ type, base: scoring.base, ...inputs, ...(ctx.inUse ? { inUse: ctx.inUse } : {}), ...(ctx.reachability ? { reachability: ctx.reachability } : {}) });
}
