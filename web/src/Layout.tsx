/** The signed-in frame: navigation, who is signed in with which role, and the page. */
import { NavLink, Outlet } from 'react-router';
import { PAGES } from './routes.ts';
import { useSession, useWhoAmI } from './session.tsx';

const NAV = PAGES.filter((p) => p.nav);
type NavEntry = (typeof NAV)[number];
/** the navigation in order, entries of a group under its heading (at the group's first entry) */
const SECTIONS: { group?: string; pages: NavEntry[] }[] = [];
for (const p of NAV) {
  const group = 'group' in p ? p.group : undefined;
  const s = group ? SECTIONS.find((x) => x.group === group) : undefined;
  if (s) s.pages.push(p);
  else SECTIONS.push({ group, pages: [p] });
}

function NavItem({ p }: { p: NavEntry }) {
  // a page whose path another entry extends (/cis, /cis/scans) is current only on itself
  return <li><NavLink to={p.path} end={p.path === '/' || NAV.some((q) => q.path.startsWith(`${p.path}/`))}>{p.title}</NavLink></li>;
}

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
          {SECTIONS.map((s) => (s.group ? (
            <li key={s.group} className="nav-group">
              <span className="nav-group-title" id={`nav-${s.group.toLowerCase()}`}>{s.group}</span>
              <ul aria-labelledby={`nav-${s.group.toLowerCase()}`}>{s.pages.map((p) => <NavItem key={p.id} p={p} />)}</ul>
            </li>
          ) : s.pages.map((p) => <NavItem key={p.id} p={p} />)))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
