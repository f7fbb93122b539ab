// One command: status, attempts, error, and its log lines streamed live until it finishes.
import { useState } from 'react';
import { Alert, Anchor, Badge, Breadcrumbs, Card, Code, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { cancelCommand, retryCommand, useCommandVerb } from '../api/actions';
import { ApiError } from '../api/client';
import { useCommand, useStacks } from '../api/queries';
import { EmptyState, Loading, QueryError, RoleButton, StatusBadge } from '../components/common';
import { CommandLogView, useCommandLog } from '../components/CommandLog';
import { DismissDialog } from '../components/QueuePanel';
import { describe } from '../components/CommandsTable';
import { formatTime } from '../lib/format';

export default function CommandPage() {
  const { id = '' } = useParams();
  const command = useCommand(id);
  const stacks = useStacks();
  const { lines, live } = useCommandLog(id, command.data?.status);
  const [dismissing, setDismissing] = useState(false);
  const cancel = useCommandVerb((cid: string) => cancelCommand(cid), 'Cancel');
  const retry = useCommandVerb((cid: string) => retryCommand(cid), 'Retry');

  if (command.isPending) return <Loading />;
  if (command.isError) {
    if (command.error instanceof ApiError && command.error.status === 404) {
      return <EmptyState title="No such command">It may belong to a stack you cannot see.</EmptyState>;
    }
    return <QueryError error={command.error} />;
  }
  const c = command.data;
  const stackName = (stacks.data?.items ?? []).find((s) => s.stack_id === c.stack_id)?.name;
  const cancellable = c.status === 'PENDING' || c.status === 'RUNNING';
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/commands">
          Commands
        </Anchor>
        <Text>#{c.seq}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Group gap="sm">
          <Title order={2}>
            #{c.seq} {c.type}
          </Title>
          <StatusBadge status={c.status} testId="command-status" />
          {c.cancel_requested && c.status === 'RUNNING' && <Badge color="gray">cancel requested</Badge>}
        </Group>
        <Group gap="xs">
          {cancellable && (
            <RoleButton need="operator" stackId={c.stack_id} variant="default" onClick={() => cancel.mutate(c.command_id)} loading={cancel.isPending} disabled={c.cancel_requested} data-testid="command-cancel">
              Cancel
            </RoleButton>
          )}
          {c.status === 'FAILED' && (
            <>
              <RoleButton need="operator" stackId={c.stack_id} onClick={() => retry.mutate(c.command_id)} loading={retry.isPending} data-testid="command-retry">
                Retry
              </RoleButton>
              <RoleButton need="operator" stackId={c.stack_id} color="red" variant="light" onClick={() => setDismissing(true)} data-testid="command-dismiss">
                Dismiss…
              </RoleButton>
            </>
          )}
        </Group>
      </Group>
      {c.error && (
        <Alert color="red" title="Error" data-testid="command-error">
          {c.error}
        </Alert>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <div>
            <Text size="xs" c="dimmed">Stack</Text>
            {stackName ? <Anchor component={Link} to={`/stacks/${stackName}`}>{stackName}</Anchor> : <Text>—</Text>}
          </div>
          <div>
            <Text size="xs" c="dimmed">What</Text>
            <Text size="sm">{describe(c) || '—'}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">Attempts</Text>
            <Text size="sm" data-testid="command-attempts">{c.attempts}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">Requested by</Text>
            <Text size="sm">{c.requested_by}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">Queued</Text>
            <Text size="sm">{formatTime(c.created_at)}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">Started</Text>
            <Text size="sm">{formatTime(c.started_at)}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">Finished</Text>
            <Text size="sm">{formatTime(c.finished_at)}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">Payload</Text>
            <Code>{JSON.stringify(c.payload)}</Code>
          </div>
        </SimpleGrid>
      </Card>
      <CommandLogView lines={lines} live={live} status={c.status} />
      <DismissDialog command={dismissing ? c : null} onClose={() => setDismissing(false)} />
    </Stack>
  );
}
