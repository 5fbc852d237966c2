/** Routes: /login outside the frame, every page of routes.ts inside it (signed in only). */
import type { ComponentType } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/common.tsx';
import { Layout } from './Layout.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { Finding } from './pages/Finding.tsx';
import { Findings } from './pages/Findings.tsx';
import { Login } from './pages/Login.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { Resource } from './pages/Resource.tsx';
import { Resources } from './pages/Resources.tsx';
import { SuppressionRules } from './pages/SuppressionRules.tsx';
import { Vulnerabilities } from './pages/Vulnerabilities.tsx';
import { Vulnerability } from './pages/Vulnerability.tsx';
import { Organization } from './pages/Organization.tsx';
import { Target } from './pages/Target.tsx';
import { Targets } from './pages/Targets.tsx';
import { LOGIN_PATH, PAGES, type PageId } from './routes.ts';
import { useSession } from './session.tsx';

/** id (routes.ts) → component (the browser tests fail on a listed page without one). */
const COMPONENTS: Partial<Record<PageId, ComponentType>> = {
  dashboard: Dashboard,
  findings: Findings,
  finding: Finding,
  resources: Resources,
  resource: Resource,
  vulnerabilities: Vulnerabilities,
  vulnerability: Vulnerability,
  'suppression-rules': SuppressionRules,
  targets: Targets,
  target: Target,
  organization: Organization,
};

function RequireSession() {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <Loading label="Restoring your session…" />;
  if (state.status === 'anonymous') return <Navigate to={LOGIN_PATH} replace state={{ from: location.pathname + location.search }} />;
  return <Layout />;
}

export function App() {
  const { state } = useSession();
  return (
    <Routes>
      <Route path={LOGIN_PATH} element={state.status === 'signed-in' ? <Navigate to="/" replace /> : <Login />} />
      <Route element={<RequireSession />}>
        {PAGES.map((p) => {
          const C = COMPONENTS[p.id];
          return C ? <Route key={p.id} path={p.path} element={<C />} /> : null;
        })}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
