import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Divider, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useAuth } from '../api/auth';
import { ApiError, errorMessage } from '../api/client';
import { Loading } from '../components/common';

export function LoginPage() {
  const { me, loading, login, config } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // Single sign-on comes back here with ?error= when the provider or the callback refused.
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(() => {
    const sso = params.get('error');
    return sso ? `Single sign-on failed: ${sso}` : null;
  });
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (loading) return <Loading label="Checking your session…" />;
  if (me) return <Navigate to={from} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      navigate(from, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        setError(`Too many attempts; try again in ${err.retryAfter ?? 'a few'} seconds.`);
      } else if (err instanceof ApiError && err.status === 401) {
        setError('Invalid username or password.');
      } else {
        setError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const oidc = config?.oidc;
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={380} maw="100%">
        <form onSubmit={(e) => void submit(e)}>
          <Stack>
            <Title order={2}>Core Monitor</Title>
            {error && (
              <Alert color="red" role="alert" data-testid="login-error">
                {error}
              </Alert>
            )}
            {config?.password !== false && (
              <>
                <TextInput
                  label="Username"
                  autoComplete="username"
                  required
                  autoFocus
                  value={username}
                  onChange={(e) => setUsername(e.currentTarget.value)}
                />
                <PasswordInput
                  label="Password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                />
                <Button type="submit" loading={busy}>
                  Log in
                </Button>
              </>
            )}
            {oidc?.enabled && (
              <>
                <Divider label="or" labelPosition="center" />
                <Button component="a" href={oidc.login_url} variant="default" data-testid="oidc-login">
                  Log in with {oidc.name ?? 'single sign-on'}
                </Button>
              </>
            )}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
