import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider, useAuth } from './auth';
import { stubFetch } from '../test/render';

function Who() {
  const { me, loading, open } = useAuth();
  if (loading) return <p>loading</p>;
  return <p data-testid="who">{me ? `${me.username}:${me.role}:${open ? 'open' : 'auth'}` : 'nobody'}</p>;
}

function renderAuth() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <AuthProvider>
        <Who />
      </AuthProvider>
    </QueryClientProvider>,
  );
}

const CONFIG = { password: true, oidc: { enabled: false, name: null, login_url: '/api/v1/auth/oidc/login' } };

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'coremon_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

describe('AuthProvider', () => {
  it('does not ask who is logged in without the session cookies', async () => {
    const { fetchStub, calls } = stubFetch({ 'GET /api/v1/auth/config': CONFIG });
    vi.stubGlobal('fetch', fetchStub);
    renderAuth();
    expect(await screen.findByTestId('who')).toHaveTextContent('nobody');
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/auth/config']);
  });

  it('asks /auth/me when a session exists', async () => {
    document.cookie = 'coremon_csrf=abc';
    const { fetchStub } = stubFetch({
      'GET /api/v1/auth/config': CONFIG,
      'GET /api/v1/auth/me': { username: 'ann', role: 'operator', stack_roles: {}, auth: 'session' },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderAuth();
    expect(await screen.findByTestId('who')).toHaveTextContent('ann:operator:auth');
  });

  it('treats an expired session as logged out', async () => {
    document.cookie = 'coremon_csrf=stale';
    const { fetchStub } = stubFetch({
      'GET /api/v1/auth/config': CONFIG,
      'GET /api/v1/auth/me': () => new Response('{"title":"Unauthorized"}', { status: 401 }),
    });
    vi.stubGlobal('fetch', fetchStub);
    renderAuth();
    expect(await screen.findByTestId('who')).toHaveTextContent('nobody');
  });

  it('lets everyone in on a server without authentication', async () => {
    const { fetchStub } = stubFetch({});
    vi.stubGlobal('fetch', fetchStub);
    renderAuth();
    expect(await screen.findByTestId('who')).toHaveTextContent('anonymous:admin:open');
  });
});

function LogoutButton() {
  const { me, logout } = useAuth();
  return (
    <>
      <p data-testid="user">{me?.username ?? 'nobody'}</p>
      <button onClick={() => void logout()}>out</button>
    </>
  );
}

describe('logout', () => {
  it('forgets the user at once', async () => {
    document.cookie = 'coremon_csrf=abc';
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/auth/config': CONFIG,
      'GET /api/v1/auth/me': { username: 'ann', role: 'viewer', stack_roles: {}, auth: 'session' },
      'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }),
    });
    vi.stubGlobal('fetch', fetchStub);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <AuthProvider>
          <LogoutButton />
        </AuthProvider>
      </QueryClientProvider>,
    );
    expect(await screen.findByText('ann')).toBeInTheDocument();
    screen.getByRole('button', { name: 'out' }).click();
    expect(await screen.findByText('nobody')).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.headers.get('X-CSRF-Token')).toBe('abc');
  });
});
