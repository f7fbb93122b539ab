// The session: who is logged in (GET /auth/me), how one logs in (GET /auth/config), and the
// role checks every action button uses. Written against the auth contract.
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, onUnauthorized, readCookie, request } from './client';
import { hasRole, type Me, type Role } from '../lib/roles';

export interface AuthConfig {
  password: boolean;
  oidc: { enabled: boolean; name: string | null; login_url: string };
}

export interface AuthState {
  me: Me | null;
  config: AuthConfig | null;
  loading: boolean;
  /** true when the server has no authentication at all (its /auth endpoints are absent). */
  open: boolean;
  login: (username: string, password: string) => Promise<Me>;
  logout: () => Promise<void>;
  can: (needed: Role, stackId?: string | null) => boolean;
}

export const AuthContext = createContext<AuthState | null>(null);
const OPEN_USER: Me = { username: 'anonymous', role: 'admin', stack_roles: {}, auth: 'none' };

export const authKeys = { session: ['auth', 'session'] as const };

const NO_CONFIG: AuthConfig = { password: true, oidc: { enabled: false, name: null, login_url: '' } };

interface Session {
  me: Me | null;
  config: AuthConfig;
  open: boolean;
}

/** Who is logged in. Without the readable CSRF cookie there is no session to ask about, so
 * a first visit goes straight to the login page (and the browser logs no failed request). */
async function fetchSession(): Promise<Session> {
  let config: AuthConfig;
  try {
    config = await request<AuthConfig>('GET', '/api/v1/auth/config');
  } catch (error) {
    // A server without the auth endpoints: everyone is let in (said in the header).
    if (error instanceof ApiError && error.status === 404) return { me: OPEN_USER, config: NO_CONFIG, open: true };
    throw error;
  }
  if (!readCookie('coremon_csrf')) return { me: null, config, open: false };
  try {
    return { me: await request<Me>('GET', '/api/v1/auth/me'), config, open: false };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { me: null, config, open: false };
    throw error;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const session = useQuery({ queryKey: authKeys.session, queryFn: fetchSession, staleTime: 60_000, retry: 1 });
  const setMe = useCallback(
    (me: Me | null) =>
      client.setQueryData<Session>(authKeys.session, (old) => ({ config: old?.config ?? NO_CONFIG, open: false, me })),
    [client],
  );

  useEffect(
    () =>
      onUnauthorized(() => {
        setMe(null);
      }),
    [setMe],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const answer = await request<{ user: Me; csrf_token: string }>('POST', '/api/v1/auth/login', {
        username,
        password,
      });
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
      setMe(answer.user);
      return answer.user;
    },
    [client, setMe],
  );

  const logout = useCallback(async () => {
    try {
      await request('POST', '/api/v1/auth/logout');
    } finally {
      // Forget everything the user saw, but keep the session query itself: the provider
      // observes that very query (removing it would leave the old user on screen).
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
      setMe(null);
    }
  }, [client, setMe]);

  const me = session.data?.me ?? null;
  const value = useMemo<AuthState>(
    () => ({
      me,
      config: session.data?.config ?? null,
      loading: session.isPending,
      open: session.data?.open ?? false,
      login,
      logout,
      can: (needed, stackId) => hasRole(me, needed, stackId),
    }),
    [me, session.data, session.isPending, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
