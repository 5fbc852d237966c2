/**
 * The Vigil score as findings carry it (issue 16): the base CVSS, every contextual adjustment with
 * its reason, the resulting score and severity. Types only; the formula is src/findings/score.ts,
 * published in docs/scoring.md.
 */
import type { Severity } from './scan.ts';

/** The formula's name: bumped whenever a weight or a rule changes, so stored scores say which made them. */
export type ScoringFormula = 'vigil-1' | 'vigil-net-1' | 'vigil-code-1';

/** The CVSS vector the score starts from. */
export interface ScoringBase {
  score: number;
  /** 2.0 | 3.0 | 3.1 | 4.0 */
  version: string;
  vector: string;
  /** the advisory id (its own vector), or "CVE-… (<CNA or ADP>)" for enrichment */
  source: string;
}

/** What the score was computed from, besides the base: enough to compute it again. */
export interface ScoringInputs {
  /** CISA KEV entry of one of the vulnerability's CVEs (the earliest added) */
  kev?: { cve: string; dateAdded: string; knownRansomwareCampaignUse?: string };
  /** FIRST EPSS of the vulnerability's CVEs (the highest percentile) */
  epss?: { cve: string; probability: number; percentile: number; date?: string };
  /** SSVC "exploitation" (CISA Vulnrichment): poc | active — a public exploit exists */
  exploitation?: 'poc' | 'active';
  fixAvailable: boolean;
  /** the advisory's own severity word, used when no CVSS vector scores it */
  advisorySeverity?: Severity;
  /** resource context: an image's registry pull signal */
  inUse?: { inUse: boolean; windowDays: number };
  /** resource context: network reachability from the internet (see ResourceReachability) */
  reachability?: { internet: boolean; source: string };
  /** network reachability findings (formula vigil-net-1): the exposure scored */
  network?: NetworkScoringInputs;
  /** secret and code findings (formula vigil-code-1): what was scored */
  code?: CodeScoringInputs;
}

/** What a SECRET or CODE_VULNERABILITY finding's score (vigil-code-1, src/findings/code.ts) is computed from. */
export interface CodeScoringInputs {
  kind: 'secret' | 'code';
  /** the detector rule ("aws-access-key-id", "python/command-injection") */
  rule: string;
  /** the detector's severity for the finding (code: already one level lower for input from the machine itself) */
  severity: Severity;
  /** secrets: who issues it */
  provider?: string;
  /** secrets: verified checksum/structure, provider format, or entropy in context */
  confidence?: 'verified' | 'format' | 'entropy';
  /** secrets found in git history: whether the secret is still in the checked-out tree */
  inHead?: boolean;
  /** secrets found in git history: the commit that added it */
  commit?: string;
  /** code: the CWEs */
  cwe?: string[];
  /** code: whether the taint starts at a request/event (remote) or the machine itself (local) */
  source?: 'remote' | 'local';
  /** the file is test code */
  testCode: boolean;
}

/** What a NETWORK_REACHABILITY finding's score (vigil-net-1, src/findings/network.ts) is computed from. */
export interface NetworkScoringInputs {
  /** wide: more than WIDE_RANGE ports or every IP protocol; admin: remote administration, databases, caches, cluster APIs, file sharing; web: only web ports; icmp: ICMP types; other: anything else */
  portClass: 'wide' | 'admin' | 'web' | 'icmp' | 'other';
  /** the ports of the class that decided it (e.g. [22]) */
  ports?: number[];
  /** reachable from every internet address (0.0.0.0/0, ::/0), not just some CIDRs */
  allSources: boolean;
  /** host data known: whether a socket the host firewall lets through listens in the range (absent: no host data) */
  listening?: boolean;
  /** what listens, when known ("sshd", "nginx") */
  processes?: string[];
}

/** One adjustment: what it changed and why. `from === to` records a signal that raised confidence only (or hit a bound). */
export interface ScoreAdjustment {
  /** kev | exploit | epss | reachability | inUse | fix; network findings: exposure | sources | listener */
  metric: 'kev' | 'exploit' | 'epss' | 'reachability' | 'inUse' | 'fix' | 'exposure' | 'sources' | 'listener'
    // secret and code findings (vigil-code-1)
    | 'detector' | 'confidence' | 'history' | 'testCode';
  /** score before (null: the finding has no numeric score; the adjustment then works on the severity) */
  from: number | null;
  to: number | null;
  /** severity before and after, when the adjustment is on a finding without a score */
  fromSeverity?: Severity;
  toSeverity?: Severity;
  reason: string;
}

export interface VigilScoring {
  formula: ScoringFormula;
  /** null: no CVSS vector scores the vulnerability */
  base: ScoringBase | null;
  /** malicious package, CVSS, the advisory's word, or nothing; network: a NETWORK_REACHABILITY finding (its exposure) */
  basis: 'malicious' | 'cvss' | 'advisory' | 'none' | 'network' | 'code';
  inputs: ScoringInputs;
  adjustments: ScoreAdjustment[];
  /** 0.0–10.0, one decimal; null when there is no base score */
  score: number | null;
  severity: Severity;
}

/**
 * A resource's network reachability from the internet, as the network analysis (src/detectors/network)
 * records it in `resources.attributes.reachability`. `internet`: some path exists from 0.0.0.0/0 or
 * ::/0 to the resource; `ports`: the reachable port ranges when known; `source`: what decided it
 * ("aws", "host-firewall", …); `analyzedAt`: when.
 */
export interface ResourceReachability {
  internet: boolean;
  ports?: { protocol: string; begin: number; end: number }[];
  source: string;
  analyzedAt?: string;
}
