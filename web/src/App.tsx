/** Routes: /login outside the frame, every page of routes.ts inside it (signed in only). */
import { lazy, Suspense, type ComponentType } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
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
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) => lazy(async () => ({ default: (await load())[name] }));
const COMPONENTS: Record<PageId, ComponentType> = {
  dashboard: page(() => import('./pages/Dashboard.tsx'), 'Dashboard'),
  findings: page(() => import('./pages/Findings.tsx'), 'Findings'),
  finding: page(() => import('./pages/Finding.tsx'), 'Finding'),
  resources: page(() => import('./pages/Resources.tsx'), 'Resources'),
  resource: page(() => import('./pages/Resource.tsx'), 'Resource'),
  vulnerabilities: page(() => import('./pages/Vulnerabilities.tsx'), 'Vulnerabilities'),
  vulnerability: page(() => import('./pages/Vulnerability.tsx'), 'Vulnerability'),
  'suppression-rules': page(() => import('./pages/SuppressionRules.tsx'), 'SuppressionRules'),
  targets: page(() => import('./pages/Targets.tsx'), 'Targets'),
  target: page(() => import('./pages/Target.tsx'), 'Target'),
  organization: page(() => import('./pages/Organization.tsx'), 'Organization'),
};

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
          const C = COMPONENTS[p.id];
          return <Route key={p.id} path={p.path} element={<Suspense fallback={<Loading />}><C /></Suspense>} />;
        })}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
