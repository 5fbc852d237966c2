/** The signed-in frame: navigation, who is signed in with which role, and the page. */
import { NavLink, Outlet } from 'react-router';
import { PAGES } from './routes.ts';
import { useSession, useWhoAmI } from './session.tsx';

const NAV = PAGES.filter((p) => p.nav);

export function Layout() {
  const who = useWhoAmI();
  const { logout } = useSession();
  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">Vigil</span>
        <div className="who">
          <span title={`organization ${who.organization.id}`}>{who.organization.name}</span>
          <span aria-hidden="true"> / </span>
          <span title={`account ${who.account.id}`}>{who.account.name}{who.account.isDelegatedAdmin ? ' (delegated admin)' : ''}</span>
          <span className="role" title={`API key ${who.key.prefix} "${who.key.name}"`}>{who.key.role}</span>
          <button type="button" onClick={() => void logout()}>Sign out</button>
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {NAV.map((p) => (
            // a page whose path another entry extends (/cis, /cis/scans) is current only on itself
            <li key={p.id}><NavLink to={p.path} end={p.path === '/' || NAV.some((q) => q.path.startsWith(`${p.path}/`))}>{p.title}</NavLink></li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
