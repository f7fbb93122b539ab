// The session: who is logged in (GET /auth/me), how one logs in (GET /auth/config), and the
// role checks every action button uses. Written against the auth contract.
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, onUnauthorized, request } from './client';
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

export const authKeys = { me: ['auth', 'me'] as const, config: ['auth', 'config'] as const };

async function fetchMe(): Promise<{ me: Me | null; open: boolean }> {
  try {
    return { me: await request<Me>('GET', '/api/v1/auth/me'), open: false };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { me: null, open: false };
    // A server without the auth endpoints: everyone is let in (said in the header).
    if (error instanceof ApiError && error.status === 404) return { me: OPEN_USER, open: true };
    throw error;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const meQuery = useQuery({ queryKey: authKeys.me, queryFn: fetchMe, staleTime: 60_000, retry: 1 });
  const configQuery = useQuery({
    queryKey: authKeys.config,
    staleTime: Infinity,
    retry: false,
    queryFn: async (): Promise<AuthConfig> => {
      try {
        return await request<AuthConfig>('GET', '/api/v1/auth/config');
      } catch {
        return { password: true, oidc: { enabled: false, name: null, login_url: '' } };
      }
    },
  });

  useEffect(
    () =>
      onUnauthorized(() => {
        client.setQueryData(authKeys.me, { me: null, open: false });
      }),
    [client],
  );

  const login = useCallback(
    async (username: string, password: string) => {
      const answer = await request<{ user: Me; csrf_token: string }>('POST', '/api/v1/auth/login', {
        username,
        password,
      });
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
      client.setQueryData(authKeys.me, { me: answer.user, open: false });
      return answer.user;
    },
    [client],
  );

  const logout = useCallback(async () => {
    try {
      await request('POST', '/api/v1/auth/logout');
    } finally {
      client.clear();
      client.setQueryData(authKeys.me, { me: null, open: false });
    }
  }, [client]);

  const me = meQuery.data?.me ?? null;
  const value = useMemo<AuthState>(
    () => ({
      me,
      config: configQuery.data ?? null,
      loading: meQuery.isPending,
      open: meQuery.data?.open ?? false,
      login,
      logout,
      can: (needed, stackId) => hasRole(me, needed, stackId),
    }),
    [me, configQuery.data, meQuery.isPending, meQuery.data?.open, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
