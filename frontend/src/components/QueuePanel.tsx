// The queue: what runs, how many wait, and — when a failure halts it — Retry / Dismiss.
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { dismissCommand, retryCommand, useCommandVerb } from '../api/actions';
import { useQueue, type Command, type Queue } from '../api/queries';
import { QueryError, StatusBadge } from './common';

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

type Halt = NonNullable<Queue['halted_by']>;

function haltLabel(h: Halt) {
  return `#${h.seq} ${h.type}`;
}

/** What halts the queue: the failed command, its stack, its error, and who may act. The
 * server says whether you may (an operator of that stack, or an admin); a caller who
 * cannot see that stack is told only that the queue is halted and who may act. */
export function HaltedBanner({
  queue,
  onRetry,
  retrying,
  onDismiss,
}: {
  queue: Queue;
  onRetry: (id: string) => void;
  retrying: boolean;
  onDismiss: (c: Command) => void;
}) {
  const h = queue.halted_by;
  return (
    <Alert color="red" title="The queue is halted" data-testid="queue-halted">
      <Stack gap="xs">
        {h && h.visible && h.command_id ? (
          <Text size="sm">
            <Anchor component={Link} to={`/commands/${h.command_id}`} data-testid="halt-command">
              {queue.head ? commandLabel(queue.head) : haltLabel(h)}
            </Anchor>{' '}
            on stack{' '}
            <Anchor component={Link} to={`/stacks/${h.stack_name ?? h.stack_id}`} data-testid="halt-stack">
              {h.stack_name ?? h.stack_id}
            </Anchor>{' '}
            failed: <span data-testid="halt-error">{h.error ?? 'no error recorded'}</span>. Later commands (of
            every stack) wait until it is retried or dismissed.
          </Text>
        ) : (
          <Text size="sm">A command failed on a stack you cannot see. Later commands wait until it is retried or dismissed.</Text>
        )}
        {h && (
          <Text size="sm" data-testid="halt-who">
            Who may retry or dismiss it: {h.may_act}
            {h.you_may_act ? ' (you may).' : ' (not you).'}
          </Text>
        )}
        {h?.you_may_act && h.command_id && (
          <Group gap="xs">
            <Button size="xs" onClick={() => onRetry(h.command_id!)} loading={retrying} data-testid="queue-retry">
              Retry
            </Button>
            <Button
              size="xs"
              color="red"
              variant="light"
              onClick={() => queue.head && onDismiss(queue.head)}
              disabled={!queue.head}
              data-testid="queue-dismiss"
            >
              Dismiss
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function QueuePanel() {
  const queue = useQueue();
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
          {q.halted && <HaltedBanner queue={q} onRetry={(id) => retry.mutate(id)} retrying={retry.isPending} onDismiss={setDismissing} />}
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
