// Render a component the way the app does (Mantine, TanStack Query, router), with a chosen user.
import { type ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router-dom';
import { AuthContext, type AuthState } from '../api/auth';
import { hasRole, type Me, type Role } from '../lib/roles';

export function user(role: Role | null, stack_roles: Record<string, Role> = {}): Me {
  return { username: `a-${role ?? 'nobody'}`, role, stack_roles, auth: 'session' };
}

export function renderWith(ui: ReactElement, { me = user('admin'), route = '/' }: { me?: Me | null; route?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const auth: AuthState = {
    me,
    config: { password: true, oidc: { enabled: false, name: null, login_url: '' } },
    loading: false,
    open: false,
    login: async () => me!,
    logout: async () => undefined,
    can: (needed, stackId) => hasRole(me, needed, stackId),
  };
  return render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={client}>
        <AuthContext.Provider value={auth}>
          <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
        </AuthContext.Provider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

/** A fetch stub: answers by "METHOD path" and records every call. */
export function stubFetch(routes: Record<string, unknown | ((init: RequestInit | undefined, req: Request) => Response)>) {
  const calls: { method: string; path: string; headers: Headers; body: string | null }[] = [];
  const fetchStub = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(req.url);
    const body = req.method === 'GET' ? null : await req.clone().text();
    calls.push({ method: req.method, path: url.pathname + url.search, headers: req.headers, body });
    const key = `${req.method} ${url.pathname}`;
    const answer = routes[key];
    if (answer === undefined) return new Response(JSON.stringify({ title: 'Not Found' }), { status: 404 });
    if (typeof answer === 'function') return (answer as (i: RequestInit | undefined, r: Request) => Response)(init, req);
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetchStub, calls };
}
