// A stack's logs, followed live (server-sent events): every container's lines merged, each
// tagged with its service and replica (the default), or one container's; stdout and stderr
// told apart, filterable, downloadable.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Button, Group, NativeSelect, SegmentedControl, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useNavigate, useParams } from 'react-router-dom';
import { useStackStatus, type Stack as StackT } from '../../api/queries';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { append, asText, filterLines, type ShownLine } from '../../lib/logBuffer';

type StreamState = 'connecting' | 'live' | 'ended' | 'error';

/** The stream to follow: one container's, or (null) the whole stack's. */
export function logsUrl(stack: string, container: string | null): string {
  const path = container
    ? `/api/v1/containers/${encodeURIComponent(container)}/logs`
    : `/api/v1/stacks/${encodeURIComponent(stack)}/logs`;
  return `${path}?follow=1&tail=200&timestamps=1`;
}

interface LogEvent {
  stream: 'stdout' | 'stderr';
  line: string;
  time?: string | null;
  service?: string;
  replica?: number;
}

function useFollowedLogs(url: string | null, session: number) {
  const [lines, setLines] = useState<ShownLine[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    if (!url) return;
    setLines([]);
    setState('connecting');
    let n = 0;
    let pending: ShownLine[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const batch = pending;
      pending = [];
      setLines((old) => append(old, batch));
    };
    const source = new EventSource(url, { withCredentials: true });
    const onLine = (event: MessageEvent<string>) => {
      try {
        const data = JSON.parse(event.data) as LogEvent;
        const from = data.service === undefined ? undefined : `${data.service}-${data.replica ?? 0}`;
        pending.push({ n: ++n, stream: data.stream, line: data.line, time: data.time, source: from });
        if (!timer) timer = setTimeout(flush, 100);
      } catch {
        /* a malformed frame: skip it */
      }
    };
    source.onopen = () => setState('live');
    source.addEventListener('stdout', onLine as EventListener);
    source.addEventListener('stderr', onLine as EventListener);
    const stop = (next: StreamState) => {
      source.close();
      if (timer) clearTimeout(timer);
      flush();
      setState(next);
    };
    // The server ends the stream when the container stops logging or after its time limit.
    // The browser would reconnect and replay the tail: we stop instead and offer to reconnect.
    source.addEventListener('end', () => stop('ended'));
    source.addEventListener('timeout', () => stop('ended'));
    source.onerror = () => stop('error');
    return () => {
      source.close();
      if (timer) clearTimeout(timer);
    };
  }, [url, session]);
  return { lines, state };
}

export default function LogsTab({ stack }: { stack: StackT }) {
  const { container: fromUrl } = useParams();
  const navigate = useNavigate();
  const status = useStackStatus(stack.name);
  const containers = useMemo(
    () => (status.data?.services ?? []).flatMap((s) => s.containers).filter((c) => c.id),
    [status.data],
  );
  const container = fromUrl ?? null; // none chosen: every container of the stack
  const [session, setSession] = useState(0);
  const any = container !== null || containers.length > 0;
  const { lines, state } = useFollowedLogs(any ? logsUrl(stack.name, container) : null, session);
  const [filter, setFilter] = useState('');
  const [stream, setStream] = useState<'all' | 'stdout' | 'stderr'>('all');
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => filterLines(lines, filter, stream), [lines, filter, stream]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, follow]);

  if (status.isPending) return <Loading />;
  if (status.isError) return <QueryError error={status.error} />;
  if (!any) {
    return <EmptyState title="No container to read">Apply or start the stack: its containers' logs show here.</EmptyState>;
  }

  const download = () => {
    const blob = new Blob([asText(shown)], { type: 'text/plain' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${container ?? stack.name}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <Stack>
      <Group align="flex-end" wrap="wrap">
        <NativeSelect
          label="Container"
          data={[{ value: '', label: 'All containers' }, ...containers.map((c) => c.name)]}
          value={container ?? ''}
          onChange={(e) => {
            const chosen = e.currentTarget.value;
            navigate(chosen ? `/stacks/${stack.name}/logs/${chosen}` : `/stacks/${stack.name}/logs`);
          }}
          data-testid="log-container"
        />
        <TextInput
          label="Filter"
          placeholder="text to find"
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          data-testid="log-filter"
        />
        <SegmentedControl
          aria-label="Streams"
          value={stream}
          onChange={(v) => setStream(v as typeof stream)}
          data={[
            { value: 'all', label: 'All' },
            { value: 'stdout', label: 'stdout' },
            { value: 'stderr', label: 'stderr' },
          ]}
        />
        <Switch label="Follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} data-testid="log-follow" />
        <Button variant="default" onClick={download} data-testid="log-download">
          Download
        </Button>
        <Badge color={state === 'live' ? 'green' : state === 'connecting' ? 'yellow' : 'gray'} data-testid="log-state" data-state={state}>
          {state}
        </Badge>
        {(state === 'ended' || state === 'error') && (
          <Button variant="light" onClick={() => setSession((s) => s + 1)}>
            Reconnect
          </Button>
        )}
      </Group>
      <div className="log-view" ref={box} style={{ height: '60vh' }} data-testid="log-view" role="log" aria-live="off" tabIndex={0}>
        {shown.map((l) => (
          <div key={l.n} className="log-line" data-stream={l.stream} data-testid="log-line">
            <Text span size="xs" c="dimmed">
              {l.time ? `${l.time.slice(11, 19)} ` : ''}
            </Text>
            {l.source && (
              <Text span size="xs" c="blue" fw={600} data-testid="log-source">
                {l.source}{' '}
              </Text>
            )}
            {l.stream === 'stderr' && (
              <Text span size="xs" fw={700}>
                [err]{' '}
              </Text>
            )}
            {l.line}
          </div>
        ))}
        {shown.length === 0 && (
          <Text size="sm" c="dimmed">
            {lines.length === 0 ? 'No log line yet.' : 'No line matches the filter.'}
          </Text>
        )}
      </div>
      <Text size="xs" c="dimmed">
        {shown.length} of {lines.length} line(s) shown; the newest 5000 are kept.
      </Text>
    </Stack>
  );
}
