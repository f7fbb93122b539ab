// Small shared pieces: status badges, empty states, query errors, role-aware buttons.
import { type ReactNode } from 'react';
import { Alert, Badge, Button, Center, Loader, Stack, Text, Title, Tooltip, type ButtonProps } from '@mantine/core';
import { useAuth } from '../api/auth';
import { errorMessage } from '../api/client';
import { reasonFor, type Role } from '../lib/roles';

const STATUS_COLORS: Record<string, string> = {
  RUNNING: 'green',
  DEGRADED: 'orange',
  DRIFTED: 'grape',
  FAILED: 'red',
  STOPPED: 'gray',
  UNKNOWN: 'gray',
  NEW: 'blue',
  PENDING: 'blue',
  DONE: 'green',
  CANCELLED: 'gray',
  APPLYING: 'cyan',
  DELETED: 'dark',
  running: 'green',
  exited: 'gray',
  restarting: 'orange',
  paused: 'yellow',
  created: 'blue',
  dead: 'red',
  missing: 'red',
  healthy: 'green',
  unhealthy: 'red',
  starting: 'yellow',
  // deployments (issue 16)
  DEPLOYING: 'cyan',
  DEPLOYED: 'green',
  ROLLED_BACK: 'orange',
  SUPERSEDED: 'gray',
};

export function StatusBadge({ status, testId }: { status: string | null | undefined; testId?: string }) {
  const value = status ?? 'UNKNOWN';
  return (
    <Badge
      color={STATUS_COLORS[value] ?? 'gray'}
      variant="light"
      data-testid={testId}
      data-status={value}
      style={{ flexShrink: 0, overflow: 'visible' }}
      styles={{ label: { overflow: 'visible' } }}
    >
      {value}
    </Badge>
  );
}

export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Center py="xl" data-testid="empty-state">
      <Stack align="center" gap="xs" maw={520}>
        <Title order={4}>{title}</Title>
        <Text c="dimmed" ta="center">
          {children}
        </Text>
        {action}
      </Stack>
    </Center>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" aria-live="polite">
      <Loader size="sm" mr="sm" />
      <Text c="dimmed">{label}</Text>
    </Center>
  );
}

export function QueryError({ error, title = 'Could not load' }: { error: unknown; title?: string }) {
  return (
    <Alert color="red" title={title} role="alert">
      {errorMessage(error)}
    </Alert>
  );
}

export interface RoleButtonProps extends ButtonProps {
  need: Role;
  stackId?: string | null;
  /** Hidden (not just disabled) from users below `need`; default: hidden from viewers only. */
  hide?: boolean;
  onClick?: () => void;
  type?: 'button' | 'submit';
  'data-testid'?: string;
  'aria-label'?: string;
  title?: string;
}

/** A button for an action that needs a role: hidden or disabled, with the reason, below it. */
export function RoleButton({ need, stackId, hide, children, disabled, ...rest }: RoleButtonProps) {
  const { can } = useAuth();
  if (can(need, stackId)) {
    return (
      <Button disabled={disabled} {...rest}>
        {children}
      </Button>
    );
  }
  const readOnly = !can('operator', stackId);
  if (hide ?? readOnly) return null;
  return (
    <Tooltip label={reasonFor(need)} withArrow>
      {/* a disabled button gets no pointer events: the span carries the tooltip */}
      <span tabIndex={0} aria-label={`${String(rest['aria-label'] ?? '')} ${reasonFor(need)}`.trim()}>
        <Button {...rest} disabled style={{ pointerEvents: 'none' }}>
          {children}
        </Button>
      </span>
    </Tooltip>
  );
}
