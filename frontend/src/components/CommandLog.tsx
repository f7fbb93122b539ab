// A command's log, streamed live (Server-Sent Events) until the command finishes: the hook,
// the log view, and a small panel (status + log) that pages embed after enqueueing a command.
import { useEffect, useRef, useState } from 'react';
import { Anchor, Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { keys, useCommand, type CommandLogLine } from '../api/queries';
import { StatusBadge } from './common';

const FINISHED = new Set(['DONE', 'FAILED', 'CANCELLED']);

/** The command's log lines, streamed live until it finishes; `onEnd` runs when the stream says
 * it finished. */
export function useCommandLog(id: string, status: string | undefined, onEnd?: () => void) {
  const [lines, setLines] = useState<CommandLogLine[]>([]);
  const [live, setLive] = useState(false);
  const client = useQueryClient();
  const finished = status !== undefined && FINISHED.has(status);
  const last = useRef(0);
  const endHook = useRef(onEnd);
  useEffect(() => {
    endHook.current = onEnd;
  });
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
      endHook.current?.();
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

/** The log lines of one command, scrolled to the newest. */
export function CommandLogView({ lines, live, status }: { lines: CommandLogLine[]; live: boolean; status: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  return (
    <>
      <Group gap="xs">
        <Title order={4}>Log</Title>
        <Badge variant="dot" color={live ? 'green' : 'gray'} data-testid="command-log-state">
          {live ? 'streaming' : 'closed'}
        </Badge>
      </Group>
      <div className="log-view" ref={box} style={{ maxHeight: '50vh' }} data-testid="command-log" role="log" tabIndex={0}>
        {lines.length === 0 && <Text size="sm" c="dimmed">{status === 'PENDING' ? 'Waiting for its turn in the queue…' : 'No log line.'}</Text>}
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
    </>
  );
}

/** A command's status and live log, for a page that just enqueued it. */
export function CommandLogPanel({ commandId, title, onEnd }: { commandId: string; title: string; onEnd?: () => void }) {
  const command = useCommand(commandId);
  const status = command.data?.status;
  const { lines, live } = useCommandLog(commandId, status, onEnd);
  return (
    <Card withBorder data-testid="command-panel" aria-label={title} component="section">
      <Stack gap="xs">
        <Group justify="space-between">
          <Group gap="sm">
            <Title order={4}>{title}</Title>
            {command.data && <StatusBadge status={status} testId="command-status" />}
          </Group>
          <Anchor component={Link} to={`/commands/${commandId}`} size="sm">
            {command.data ? `Command #${command.data.seq}` : 'Command'}
          </Anchor>
        </Group>
        {command.data?.error && (
          <Text size="sm" c="red" data-testid="command-error">
            {command.data.error}
          </Text>
        )}
        <CommandLogView lines={lines} live={live} status={status ?? 'PENDING'} />
      </Stack>
    </Card>
  );
}
