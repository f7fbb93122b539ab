import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app.css';
import { lazy, Suspense } from 'react';
import { MantineProvider } from '@mantine/core';
import { cssVariablesResolver, theme } from './theme';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router-dom';
import { ApiError } from './api/client';
import { AuthProvider, useAuth } from './api/auth';
import { EventStreamProvider } from './api/events';
import { Shell } from './components/Shell';
import { Loading } from './components/common';
import { LoginPage } from './pages/LoginPage';
import { DashboardPage } from './pages/DashboardPage';

// Pages past the dashboard are their own chunks; the admin pages and anything with
// CodeMirror stay out of the initial bundle.
const NewStackPage = lazy(() => import('./pages/NewStackPage'));
const StackPage = lazy(() => import('./pages/stack/StackPage'));
const CommandsPage = lazy(() => import('./pages/CommandsPage'));
const CommandPage = lazy(() => import('./pages/CommandPage'));
const AdminPage = lazy(() => import('./pages/admin/AdminPage'));
const DeploymentsPage = lazy(() => import('./pages/deploy/DeploymentsPage'));
const WizardPage = lazy(() => import('./pages/wizard/WizardPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The event stream says when data changes; no background polling.
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
}

function RequireLogin() {
  const { me, loading } = useAuth();
  const location = useLocation();
  if (loading) return <Loading label="Checking your session…" />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <EventStreamProvider>
      <Shell>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </Shell>
    </EventStreamProvider>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireLogin />}>
        <Route index element={<DashboardPage />} />
        <Route path="stacks/new" element={<NewStackPage />} />
        <Route path="stacks/:name/*" element={<StackPage />} />
        <Route path="commands" element={<CommandsPage />} />
        <Route path="commands/:id" element={<CommandPage />} />
        <Route path="admin/*" element={<AdminPage />} />
        <Route path="wizard" element={<WizardPage />} />
        <Route path="deploy" element={<DeploymentsPage />} />
        <Route path="deploy/:name" element={<DeploymentsPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

const queryClient = makeQueryClient();

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="auto">
      <Notifications position="top-right" limit={5} />
      <QueryClientProvider client={queryClient}>
        <AuthProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
