/**
 * Severity colours shared by charts, bars and badges (styles.css has the same values). Apart from
 * components/Chart.tsx so that a page drawing a severity bar does not load ECharts.
 */
export const SEVERITY_COLORS: Record<string, string> = {
  CRITICAL: '#7d1128', HIGH: '#c2410c', MEDIUM: '#b45309', LOW: '#2563eb', NONE: '#64748b', UNKNOWN: '#94a3b8',
};
