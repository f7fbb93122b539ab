// The frame of every page: header (live-stream state, user and role, color scheme, logout)
// and navigation. Room is left for the wizard and middleware pages of later issues.
import { type ReactNode } from 'react';
import {
  ActionIcon,
  Alert,
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  NavLink,
  Text,
  Title,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../api/auth';
import { useEventStream } from '../api/events';
import { bestRole } from '../lib/roles';

interface NavItem {
  to: string;
  label: string;
  admin?: boolean;
  later?: boolean;
  match?: (path: string) => boolean;
}

export const NAV: NavItem[] = [
  // a stack's pages are no part of the dashboard: nothing in the menu stands for them
  { to: '/', label: 'Dashboard', match: (p) => p === '/' },
  { to: '/stacks/new', label: 'New stack' },
  { to: '/commands', label: 'Commands' },
  { to: '/admin', label: 'Admin', admin: true },
  { to: '/wizard', label: 'Wizard' },
  { to: '/deploy', label: 'Deployments' },
];

/** Whether a menu entry stands for the page at ``path``. */
export function isActive(item: NavItem, path: string): boolean {
  return item.match ? item.match(path) : path === item.to || path.startsWith(`${item.to}/`);
}

function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} mode`}>
      <ActionIcon
        variant="default"
        size="lg"
        aria-label={`Switch to ${next} mode`}
        data-testid="color-scheme-toggle"
        onClick={() => setColorScheme(next)}
      >
        <span aria-hidden>{computed === 'dark' ? '☀' : '☾'}</span>
      </ActionIcon>
    </Tooltip>
  );
}

function StreamIndicator() {
  const { state } = useEventStream();
  const label = state === 'open' ? 'Live' : state === 'connecting' ? 'Reconnecting…' : 'Offline';
  return (
    <Badge
      variant="dot"
      color={state === 'open' ? 'green' : state === 'connecting' ? 'yellow' : 'red'}
      data-testid="stream-state"
      data-state={state}
      title="Live updates from the server's event stream"
    >
      {label}
    </Badge>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { me, logout, open } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const role = bestRole(me);
  const isAdmin = me?.role === 'admin';

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 210, breakpoint: 'md', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <Title order={3} size="h4">
              <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }}>
                Core Monitor
              </Link>
            </Title>
            <StreamIndicator />
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="sm" data-testid="current-user">
              {me?.username}
            </Text>
            <Badge variant="outline" data-testid="current-role">
              {role ?? 'no role'}
            </Badge>
            <ColorSchemeToggle />
            {!open && (
              <Button
                variant="subtle"
                size="xs"
                data-testid="logout"
                onClick={() => void logout().then(() => navigate('/login'))}
              >
                Log out
              </Button>
            )}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAV.filter((item) => !item.admin || isAdmin).map((item) => {
          const active = isActive(item, location.pathname);
          return (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={active}
              onClick={close}
              description={item.later ? 'coming in a later release' : undefined}
              disabled={item.later}
              aria-disabled={item.later}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>
        {open && (
          <Alert color="yellow" mb="md" title="No authentication">
            This server answers without authentication: everyone who reaches it acts as an admin.
          </Alert>
        )}
        {children}
      </AppShell.Main>
    </AppShell>
  );
}
