/** Routes: /login outside the frame, every page of routes.ts inside it (signed in only). */
import { lazy, Suspense, type ComponentType } from 'react';
import { matchPath, Navigate, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/common.tsx';
import { Layout } from './Layout.tsx';
import { Login } from './pages/Login.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { LOGIN_PATH, PAGES, type PageId } from './routes.ts';
import { useSession } from './session.tsx';

/**
 * id (routes.ts) → component, each page its own chunk loaded when first opened: the findings page
 * does not load the dashboard's charts (ECharts is most of the bundle). Every page is listed, or the
 * type check fails.
 */
const LOADERS = {
  dashboard: () => import('./pages/Dashboard.tsx').then((m) => m.Dashboard),
  findings: () => import('./pages/Findings.tsx').then((m) => m.Findings),
  finding: () => import('./pages/Finding.tsx').then((m) => m.Finding),
  resources: () => import('./pages/Resources.tsx').then((m) => m.Resources),
  resource: () => import('./pages/Resource.tsx').then((m) => m.Resource),
  vulnerabilities: () => import('./pages/Vulnerabilities.tsx').then((m) => m.Vulnerabilities),
  vulnerability: () => import('./pages/Vulnerability.tsx').then((m) => m.Vulnerability),
  network: () => import('./pages/Network.tsx').then((m) => m.Network),
  cis: () => import('./pages/CisConfigurations.tsx').then((m) => m.CisConfigurations),
  'cis-scans': () => import('./pages/CisScans.tsx').then((m) => m.CisScans),
  'cis-scan': () => import('./pages/CisScan.tsx').then((m) => m.CisScan),
  'suppression-rules': () => import('./pages/SuppressionRules.tsx').then((m) => m.SuppressionRules),
  targets: () => import('./pages/Targets.tsx').then((m) => m.Targets),
  target: () => import('./pages/Target.tsx').then((m) => m.Target),
  workloads: () => import('./pages/Workloads.tsx').then((m) => m.Workloads),
  destinations: () => import('./pages/Destinations.tsx').then((m) => m.Destinations),
  destination: () => import('./pages/Destination.tsx').then((m) => m.Destination),
  exports: () => import('./pages/Exports.tsx').then((m) => m.Exports),
  'report-schedules': () => import('./pages/ReportSchedules.tsx').then((m) => m.ReportSchedules),
  'report-schedule': () => import('./pages/ReportSchedule.tsx').then((m) => m.ReportSchedule),
  'gate-policies': () => import('./pages/GatePolicies.tsx').then((m) => m.GatePolicies),
  organization: () => import('./pages/Organization.tsx').then((m) => m.Organization),
} satisfies Record<PageId, () => Promise<ComponentType>>;
const COMPONENTS = {} as Record<PageId, ComponentType>;
/** pages whose chunk has arrived: rendered directly, because a lazy component suspends once even then, and React holds a suspended page back ~300 ms */
const LOADED: Partial<Record<PageId, ComponentType>> = {};
for (const id of Object.keys(LOADERS) as PageId[]) {
  COMPONENTS[id] = lazy(async () => ({ default: await load(id) }));
}
async function load(id: PageId): Promise<ComponentType> {
  const C = await LOADERS[id]();
  LOADED[id] = C;
  return C;
}

/**
 * Starts loading the chunk of the page at `pathname` (main.tsx calls it before the session is
 * restored, so the two requests overlap instead of following each other).
 */
export function preloadPage(pathname: string): void {
  const p = PAGES.find((x) => matchPath(x.path, pathname));
  if (p) void load(p.id).catch(() => undefined);
}

function RequireSession() {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <Loading label="Restoring your session…" />;
  if (state.status === 'anonymous') return <Navigate to={LOGIN_PATH} replace state={{ from: location.pathname + location.search }} />;
  return <Layout />;
}

/** /login once signed in: on to the page that sent the visitor to sign in (a deep link), else the dashboard. */
function SignedIn() {
  const from = (useLocation().state as { from?: string } | null)?.from;
  return <Navigate to={from && from.startsWith('/') && !from.startsWith('//') ? from : '/'} replace />;
}

export function App() {
  const { state } = useSession();
  return (
    <Routes>
      <Route path={LOGIN_PATH} element={state.status === 'signed-in' ? <SignedIn /> : <Login />} />
      <Route element={<RequireSession />}>
        {PAGES.map((p) => {
          const C = LOADED[p.id] ?? COMPONENTS[p.id];
          return <Route key={p.id} path={p.path} element={<Suspense fallback={<Loading />}><C /></Suspense>} />;
        })}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
