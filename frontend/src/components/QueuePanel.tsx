// The queue: what runs, how many wait, and — when a failure halts it — Retry / Dismiss.
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { dismissCommand, retryCommand, useCommandVerb } from '../api/actions';
import { useQueue, type Command } from '../api/queries';
import { useAuth } from '../api/auth';
import { QueryError, RoleButton, StatusBadge } from './common';

function commandLabel(c: Command) {
  const version = typeof c.payload.version === 'number' ? ` v${c.payload.version}` : '';
  const service = typeof c.payload.service === 'string' ? ` ${c.payload.service}` : '';
  return `#${c.seq} ${c.type}${version}${service}`;
}

export function DismissDialog({ command, onClose }: { command: Command | null; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const dismiss = useCommandVerb((a: { id: string; reason: string }) => dismissCommand(a.id, a.reason), 'Dismiss');
  return (
    <Modal opened={command !== null} onClose={onClose} title={command ? `Dismiss ${commandLabel(command)}` : ''}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (command) dismiss.mutate({ id: command.command_id, reason }, { onSuccess: onClose });
        }}
      >
        <Stack>
          <Text size="sm">
            Dismissing marks the failed command CANCELLED and lets the queue go on. Say why, for the
            audit trail.
          </Text>
          <TextInput
            label="Reason"
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="dismiss-reason"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" loading={dismiss.isPending} disabled={!reason.trim()}>
              Dismiss
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function QueuePanel() {
  const queue = useQueue();
  const { can } = useAuth();
  const [dismissing, setDismissing] = useState<Command | null>(null);
  const retry = useCommandVerb((id: string) => retryCommand(id), 'Retry');
  const q = queue.data;
  return (
    <Card withBorder data-testid="queue-panel">
      <Title order={4} mb="xs">
        Queue
      </Title>
      {queue.isError && <QueryError error={queue.error} />}
      {q && (
        <Stack gap="xs">
          {q.halted && q.head && (
            <Alert color="red" title="The queue is halted" data-testid="queue-halted">
              <Stack gap="xs">
                <Text size="sm">
                  <Anchor component={Link} to={`/commands/${q.head.command_id}`}>
                    {commandLabel(q.head)}
                  </Anchor>{' '}
                  failed: {q.head.error ?? 'no error recorded'}. Later commands wait until it is
                  retried or dismissed.
                </Text>
                <Group gap="xs">
                  <RoleButton
                    need="operator"
                    stackId={q.head.stack_id}
                    size="xs"
                    onClick={() => retry.mutate(q.head!.command_id)}
                    loading={retry.isPending}
                    data-testid="queue-retry"
                  >
                    Retry
                  </RoleButton>
                  <RoleButton
                    need="admin"
                    hide={!can('operator')}
                    size="xs"
                    color="red"
                    variant="light"
                    onClick={() => setDismissing(q.head)}
                    data-testid="queue-dismiss"
                  >
                    Dismiss
                  </RoleButton>
                </Group>
              </Stack>
            </Alert>
          )}
          <Group gap="xs">
            <Text size="sm" fw={500}>
              Running:
            </Text>
            {q.running ? (
              <>
                <Anchor component={Link} to={`/commands/${q.running.command_id}`} size="sm" data-testid="queue-running">
                  {commandLabel(q.running)}
                </Anchor>
                <StatusBadge status={q.running.status} />
              </>
            ) : (
              <Text size="sm" c="dimmed">
                nothing
              </Text>
            )}
          </Group>
          <Group gap="xs">
            <Text size="sm" fw={500}>
              Pending:
            </Text>
            <Badge variant="light" data-testid="queue-depth">
              {q.depth}
            </Badge>
            <Text size="xs" c="dimmed">
              on failure: {q.on_failure}
            </Text>
          </Group>
        </Stack>
      )}
      <DismissDialog command={dismissing} onClose={() => setDismissing(null)} />
    </Card>
  );
}
