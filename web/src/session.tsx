/**
 * The session: restored from the cookie at start (GET /v1/session), created by logging in with an
 * API key (POST /v1/session), ended by logging out (DELETE /v1/session). The role decides which
 * actions the console offers; the server enforces them regardless.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, UNAUTHORIZED_EVENT } from './api.ts';
import type { Role, SessionInfo, WhoAmI } from './types.ts';

type State = { status: 'loading' } | { status: 'anonymous' } | { status: 'signed-in'; whoami: WhoAmI };

/** what each access level of the API needs (src/server/auth.ts) */
export type Access = 'read' | 'operate' | 'admin';
const RANK: Record<Role, number> = { 'read-only': 0, analyst: 1, admin: 2 };
const NEEDED: Record<Access, number> = { read: 0, operate: 1, admin: 2 };

interface SessionApi {
  state: State;
  login(apiKey: string): Promise<void>;
  logout(): Promise<void>;
  /** whether this key's role may call routes of that access level */
  can(access: Access): boolean;
  /** the delegated-admin account of the organization sees and manages every account */
  isDelegatedAdmin: boolean;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const queryClient = useQueryClient();

  const signOutLocally = useCallback(() => {
    setCsrfToken(null);
    queryClient.clear();
    setState({ status: 'anonymous' });
  }, [queryClient]);

  useEffect(() => {
    let live = true;
    api<SessionInfo>('/v1/session').then((s) => {
      if (!live) return;
      setCsrfToken(s.csrfToken);
      setState({ status: 'signed-in', whoami: s.whoami });
    }, () => live && setState({ status: 'anonymous' }));
    const onUnauthorized = () => signOutLocally();
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => {
      live = false;
      window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    };
  }, [signOutLocally]);

  const login = useCallback(async (apiKey: string) => {
    const s = await api<SessionInfo>('/v1/session', { method: 'POST', body: { apiKey } });
    setCsrfToken(s.csrfToken);
    queryClient.clear();
    setState({ status: 'signed-in', whoami: s.whoami });
  }, [queryClient]);

  const logout = useCallback(async () => {
    try {
      await api('/v1/session', { method: 'DELETE' });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
    }
    signOutLocally();
  }, [signOutLocally]);

  const value = useMemo<SessionApi>(() => {
    const role = state.status === 'signed-in' ? state.whoami.key.role : null;
    return {
      state, login, logout,
      can: (access) => role !== null && RANK[role] >= NEEDED[access],
      isDelegatedAdmin: state.status === 'signed-in' && state.whoami.account.isDelegatedAdmin,
    };
  }, [state, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in identity; only inside the signed-in layout. */
export function useWhoAmI(): WhoAmI {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useWhoAmI without a session');
  return state.whoami;
}
