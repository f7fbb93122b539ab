import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen } from '@testing-library/react';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { MemoryRouter } from 'react-router-dom';
import { AuthContext, type AuthState } from '../api/auth';
import { ApiError } from '../api/client';
import { LoginPage } from './LoginPage';

function renderLogin(over: Partial<AuthState>, route = '/login') {
  const auth: AuthState = {
    me: null,
    config: { password: true, oidc: { enabled: false, name: null, login_url: '/api/v1/auth/oidc/login' } },
    loading: false,
    open: false,
    login: vi.fn(),
    logout: vi.fn(),
    can: () => false,
    ...over,
  };
  render(
    <MantineProvider>
      <AuthContext.Provider value={auth}>
        <MemoryRouter initialEntries={[route]}>
          <LoginPage />
        </MemoryRouter>
      </AuthContext.Provider>
    </MantineProvider>,
  );
  return auth;
}

describe('LoginPage', () => {
  it('says so when the password is wrong', async () => {
    const auth = renderLogin({ login: vi.fn().mockRejectedValue(new ApiError(401, { title: 'Login failed' })) });
    fireEvent.change(screen.getByLabelText(/Username/), { target: { value: 'ann' } });
    fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('Invalid username or password.');
    expect(auth.login).toHaveBeenCalledWith('ann', 'nope');
  });

  it('tells how long to wait when throttled', async () => {
    renderLogin({ login: vi.fn().mockRejectedValue(new ApiError(429, { title: 'Too many' }, 30)) });
    fireEvent.change(screen.getByLabelText(/Username/), { target: { value: 'ann' } });
    fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('30 seconds');
  });

  it('offers single sign-on only when configured', () => {
    renderLogin({ config: { password: true, oidc: { enabled: true, name: 'Acme SSO', login_url: '/api/v1/auth/oidc/login' } } });
    expect(screen.getByTestId('oidc-login')).toHaveAttribute('href', '/api/v1/auth/oidc/login');
    expect(screen.getByTestId('oidc-login')).toHaveTextContent('Acme SSO');
  });

  it('shows why single sign-on failed', () => {
    renderLogin({}, '/login?error=the%20provider%20said%20no');
    expect(screen.getByTestId('login-error')).toHaveTextContent('Single sign-on failed: the provider said no');
  });
});
