// One stack: a header with its live status and whole-stack actions, and tabs for services,
// versions, logs and commands (each a nested route, so deep links work).
import { lazy, Suspense, useState } from 'react';
import { Anchor, Breadcrumbs, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { Link, Route, Routes, useLocation, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { runtimeAction, useEnqueue, type RuntimeVerb } from '../../api/actions';
import { useStack, useStackStatus } from '../../api/queries';
import { EmptyState, Loading, QueryError, RoleButton, StatusBadge } from '../../components/common';
import { DeleteDialog } from './DeleteDialog';
import { DeletedStackView } from './DeletedStackView';
import { useGone } from '../../lib/goneStacks';
import { OverviewTab } from './OverviewTab';
import { WizardActions } from './WizardActions';
import { FreezeBanner } from './FreezeBanner';

const VersionsTab = lazy(() => import('./VersionsTab'));
const VersionPage = lazy(() => import('./VersionPage'));
const EditVersionPage = lazy(() => import('./EditVersionPage'));
const ComparePage = lazy(() => import('./ComparePage'));
const LogsTab = lazy(() => import('./LogsTab'));
const StackCommandsTab = lazy(() => import('./StackCommandsTab'));
const WizardEditPage = lazy(() => import('./WizardEditPage'));

const TABS = [
  { value: 'services', label: 'Services' },
  { value: 'versions', label: 'Versions' },
  { value: 'logs', label: 'Logs' },
  { value: 'commands', label: 'Commands' },
];

/** The tab a page under the stack belongs to: comparing versions is part of Versions. */
export function tabOf(rest: string): string {
  const first = rest.split('/')[0] ?? '';
  if (first === 'compare') return 'versions';
  return TABS.some((t) => t.value === first) ? first : 'services';
}

export default function StackPage() {
  const { name = '' } = useParams();
  const stack = useStack(name);
  // a deleted stack has no live status (404): ask only once the stack is known to be live
  const status = useStackStatus(name, stack.data !== undefined && stack.data.status !== 'DELETED');
  const navigate = useNavigate();
  const location = useLocation();
  const [deleting, setDeleting] = useState(false);
  const gone = useGone(name);
  const action = useEnqueue(
    (verb: RuntimeVerb, key) => runtimeAction(name, verb, key),
    (verb) => `${verb[0]!.toUpperCase()}${verb.slice(1)} ${name}`,
  );

  if (gone && !stack.data) {
    return (
      <EmptyState title={`${name} is being deleted`} action={<Anchor component={Link} to="/">Back to the dashboard</Anchor>}>
        Its containers and networks are being removed; its versions stay in the history.
      </EmptyState>
    );
  }
  if (stack.isPending) return <Loading />;
  if (stack.isError) {
    if (stack.error instanceof ApiError && stack.error.status === 404) {
      return (
        <EmptyState title={`No stack named ${name}`} action={<Anchor component={Link} to="/">Back to the dashboard</Anchor>}>
          It may have been deleted, or you may not have access to it.
        </EmptyState>
      );
    }
    return <QueryError error={stack.error} />;
  }
  const s = stack.data;
  if (s.status === 'DELETED') return <DeletedStackView stack={s} />;
  const base = `/stacks/${name}`;
  const rest = location.pathname.slice(base.length).replace(/^\//, '');
  const tab = tabOf(rest);
  const canAct = s.current_version !== null;

  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/">
          Dashboard
        </Anchor>
        <Text>{s.name}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={2}>{s.name}</Title>
            <StatusBadge status={status.data?.status ?? s.status} testId="stack-status" />
          </Group>
          <Text size="sm" c="dimmed" data-testid="stack-versions">
            current {s.current_version ? `v${s.current_version}` : 'none'} · desired{' '}
            {s.desired_version ? `v${s.desired_version}` : '—'} · latest v{s.latest_version}
          </Text>
        </div>
        <Group gap="xs">
          <WizardActions stack={s} />
          {(['start', 'stop', 'restart'] as const).map((verb) => (
            <RoleButton
              key={verb}
              need="operator"
              stackId={s.stack_id}
              variant="default"
              size="sm"
              disabled={!canAct}
              title={canAct ? undefined : 'Apply a version first'}
              onClick={() => action.mutate(verb)}
              data-testid={`stack-${verb}`}
            >
              {verb[0]!.toUpperCase() + verb.slice(1)}
            </RoleButton>
          ))}
          <RoleButton
            need="admin"
            stackId={s.stack_id}
            color="red"
            variant="light"
            size="sm"
            onClick={() => setDeleting(true)}
            data-testid="stack-delete"
          >
            Delete…
          </RoleButton>
        </Group>
      </Group>
      <FreezeBanner stack={s} />
      <Tabs value={tab} onChange={(value) => navigate(value && value !== 'services' ? `${base}/${value}` : base)} keepMounted={false}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab
              key={t.value}
              value={t.value}
              id={`stack-tab-${t.value}`}
              aria-controls="stack-tab-panel"
              data-testid={`tab-${t.value}`}
            >
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {/* The tabs switch routes: one panel shows whichever is chosen. */}
      <div id="stack-tab-panel" role="tabpanel" aria-labelledby={`stack-tab-${tab}`}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route index element={<OverviewTab stack={s} />} />
            <Route path="versions" element={<VersionsTab stack={s} />} />
            <Route path="versions/:version" element={<VersionPage stack={s} />} />
            <Route path="versions/:version/edit" element={<EditVersionPage stack={s} />} />
            <Route path="compare" element={<ComparePage stack={s} />} />
            <Route path="logs" element={<LogsTab stack={s} />} />
            <Route path="logs/:container" element={<LogsTab stack={s} />} />
            <Route path="commands" element={<StackCommandsTab stack={s} />} />
            <Route path="wizard" element={<WizardEditPage stack={s} />} />
          </Routes>
        </Suspense>
      </div>
      <DeleteDialog stack={s} opened={deleting} onClose={() => setDeleting(false)} />
    </Stack>
  );
}
