/**
 * Every page of the console, in navigation order. The App maps each id to its component, and the
 * browser tests (test/console/) visit, screenshot and axe-check every entry, so a page cannot be
 * added without being tested. `sample`: a path with ids filled in by the tests when the page needs one.
 */
export interface PageDef {
  id: string;
  path: string;
  title: string;
  /** shown in the navigation */
  nav: boolean;
  /** the navigation's group heading (entries of a group are listed together, in this order) */
  group?: string;
}

export const PAGES = [
  { id: 'dashboard', path: '/', title: 'Dashboard', nav: true },
  { id: 'findings', path: '/findings', title: 'Findings', nav: true },
  { id: 'finding', path: '/findings/:id', title: 'Finding', nav: false },
  { id: 'resources', path: '/resources', title: 'Resources and coverage', nav: true },
  { id: 'resource', path: '/resources/:id', title: 'Resource', nav: false },
  { id: 'workloads', path: '/workloads', title: 'Running workloads', nav: true },
  { id: 'vulnerabilities', path: '/vulnerabilities', title: 'Vulnerabilities', nav: true },
  { id: 'vulnerability', path: '/vulnerabilities/:id', title: 'Vulnerability', nav: false },
  { id: 'network', path: '/network', title: 'Network', nav: true },
  { id: 'cis', path: '/cis', title: 'CIS benchmarks', nav: true },
  { id: 'cis-scans', path: '/cis/scans', title: 'CIS scans', nav: true },
  { id: 'cis-scan', path: '/cis/scans/:id', title: 'CIS scan', nav: false },
  { id: 'suppression-rules', path: '/suppression-rules', title: 'Suppression rules', nav: true },
  { id: 'targets', path: '/targets', title: 'Targets', nav: true },
  { id: 'target', path: '/targets/:kind/:id', title: 'Target', nav: false },
  { id: 'destinations', path: '/integrations/destinations', title: 'Event destinations', nav: true, group: 'Integrations' },
  { id: 'destination', path: '/integrations/destinations/:id', title: 'Event destination', nav: false, group: 'Integrations' },
  { id: 'exports', path: '/integrations/exports', title: 'Exports', nav: true, group: 'Integrations' },
  { id: 'report-schedules', path: '/integrations/reports', title: 'Scheduled reports', nav: true, group: 'Integrations' },
  { id: 'report-schedule', path: '/integrations/reports/:id', title: 'Scheduled report', nav: false, group: 'Integrations' },
  { id: 'gate-policies', path: '/gating', title: 'Gate policies', nav: true, group: 'Gating' },
  { id: 'organization', path: '/organization', title: 'Organization', nav: true },
] as const satisfies readonly PageDef[];

export type PageId = (typeof PAGES)[number]['id'];

export const LOGIN_PATH = '/login';
