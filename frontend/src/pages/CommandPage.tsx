// One command: status, attempts, error, and its log lines streamed live until it finishes.
import { useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Badge, Breadcrumbs, Card, Code, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { cancelCommand, retryCommand, useCommandVerb } from '../api/actions';
import { ApiError } from '../api/client';
import { keys, useCommand, useStacks, type CommandLogLine } from '../api/queries';
import { EmptyState, Loading, QueryError, RoleButton, StatusBadge } from '../components/common';
import { DismissDialog } from '../components/QueuePanel';
import { describe } from '../components/CommandsTable';
import { formatTime } from '../lib/format';

const FINISHED = new Set(['DONE', 'FAILED', 'CANCELLED']);

function useCommandLog(id: string, status: string | undefined) {
  const [lines, setLines] = useState<CommandLogLine[]>([]);
  const [live, setLive] = useState(false);
  const client = useQueryClient();
  const finished = status !== undefined && FINISHED.has(status);
  const last = useRef(0);
  useEffect(() => {
    setLines([]);
    last.current = 0;
  }, [id]);
  useEffect(() => {
    if (!status) return;
    // The stream sends what exists, then new lines, then `end` once the command finished.
    // A reconnect resumes after the last line (Last-Event-ID, or ?after= on a new stream).
    const source = new EventSource(`/api/v1/commands/${encodeURIComponent(id)}/logs?follow=1&after=${last.current}`, {
      withCredentials: true,
    });
    source.onopen = () => setLive(true);
    source.addEventListener('log', ((event: MessageEvent<string>) => {
      const line = JSON.parse(event.data) as CommandLogLine;
      if (line.id <= last.current) return;
      last.current = line.id;
      setLines((old) => [...old, line]);
    }) as EventListener);
    const end = () => {
      source.close();
      setLive(false);
      // What the command changed (a deleted stack, a new status) is stale now; the global
      // event stream says so too, but this page learns it first and without a race.
      for (const queryKey of [keys.command(id), keys.stacks, keys.allStatus, keys.queue]) {
        void client.invalidateQueries({ queryKey });
      }
    };
    source.addEventListener('end', end);
    source.addEventListener('timeout', end);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) setLive(false);
    };
    return () => source.close();
    // A new stream only when the command goes from finished to not finished (a retry).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, finished, status === undefined]);
  return { lines, live };
}

export default function CommandPage() {
  const { id = '' } = useParams();
  const command = useCommand(id);
  const stacks = useStacks();
  const { lines, live } = useCommandLog(id, command.data?.status);
  const [dismissing, setDismissing] = useState(false);
  const cancel = useCommandVerb((cid: string) => cancelCommand(cid), 'Cancel');
  const retry = useCommandVerb((cid: string) => retryCommand(cid), 'Retry');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);

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
      <Group gap="xs">
        <Title order={4}>Log</Title>
        <Badge variant="dot" color={live ? 'green' : 'gray'} data-testid="command-log-state">
          {live ? 'streaming' : 'closed'}
        </Badge>
      </Group>
      <div className="log-view" ref={box} style={{ maxHeight: '50vh' }} data-testid="command-log" role="log" tabIndex={0}>
        {lines.length === 0 && <Text size="sm" c="dimmed">{c.status === 'PENDING' ? 'Waiting for its turn in the queue…' : 'No log line.'}</Text>}
        {lines.map((l) => (
          <div key={l.id} className="log-line" data-stream={l.level === 'error' ? 'stderr' : 'stdout'} data-testid="command-log-line">
            <Text span size="xs" c="dimmed">
              {l.time.slice(11, 19)} {l.attempt > 1 ? `[attempt ${l.attempt}] ` : ''}
            </Text>
            {l.level !== 'info' && <Text span fw={700} size="xs">{l.level.toUpperCase()} </Text>}
            {l.message}
          </div>
        ))}
      </div>
      <DismissDialog command={dismissing ? c : null} onClose={() => setDismissing(false)} />
    </Stack>
  );
}
