import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import LogsTab from './LogsTab';
import { renderWith, stubFetch, user } from '../../test/render';

const stack = {
  stack_id: 's1',
  host_id: 'local',
  name: 'shop',
  current_version: 1,
  desired_version: 1,
  latest_version: 1,
  status: 'RUNNING' as const,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

const container = (service: string, number: number) => ({
  id: `${service}${number}`,
  name: `shop-${service}-${number}`,
  service,
  number,
  state: 'running',
  ports: [],
  restart_count: 0,
});

const status = {
  stack_id: 's1',
  name: 'shop',
  status: 'RUNNING',
  recorded_status: 'RUNNING',
  desired_version: 1,
  current_version: 1,
  container_versions: [1],
  drift: [],
  observed_at: '2026-01-01T00:00:00Z',
  services: [
    { name: 'api', status: 'RUNNING', desired_replicas: 2, running: 2, containers: [container('api', 1), container('api', 2)] },
    { name: 'db', status: 'RUNNING', desired_replicas: 1, running: 1, containers: [container('db', 1)] },
  ],
};

/** EventSource in jsdom: records what was opened; the test sends the server's events. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  listeners: Record<string, ((e: MessageEvent<string>) => void)[]> = {};
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void) {
    (this.listeners[type] ??= []).push(listener);
  }
  close() {
    this.closed = true;
  }
  send(type: string, data: unknown) {
    for (const listener of this.listeners[type] ?? []) listener(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeEventSource.opened = [];
});

function renderTab(route: string) {
  const { fetchStub } = stubFetch({ 'GET /api/v1/stacks/shop/status': status });
  vi.stubGlobal('fetch', fetchStub);
  vi.stubGlobal('EventSource', FakeEventSource);
  return renderWith(
    <Routes>
      <Route path="/stacks/shop/logs" element={<LogsTab stack={stack} />} />
      <Route path="/stacks/shop/logs/:container" element={<LogsTab stack={stack} />} />
    </Routes>,
    { me: user('viewer'), route },
  );
}

describe('LogsTab', () => {
  it("follows the whole stack's merged logs by default, each line tagged with service and replica", async () => {
    renderTab('/stacks/shop/logs');
    await waitFor(() => expect(FakeEventSource.opened).toHaveLength(1));
    const source = FakeEventSource.opened[0]!;
    expect(source.url).toBe('/api/v1/stacks/shop/logs?follow=1&tail=200&timestamps=1');
    expect(screen.getByTestId('log-container')).toHaveValue('');
    act(() => {
      source.onopen?.();
      source.send('stdout', { stream: 'stdout', line: 'GET /', service: 'api', replica: 2, container: 'shop-api-2', time: null });
      source.send('stderr', { stream: 'stderr', line: 'ready', service: 'db', replica: 1, container: 'shop-db-1', time: null });
    });
    await waitFor(() => expect(screen.getAllByTestId('log-line')).toHaveLength(2));
    const lines = screen.getAllByTestId('log-line');
    expect(lines[0]).toHaveTextContent('api-2 GET /');
    expect(lines[1]).toHaveTextContent('db-1 [err] ready');
  });

  it('switches to one container and back to all', async () => {
    renderTab('/stacks/shop/logs');
    await waitFor(() => expect(FakeEventSource.opened).toHaveLength(1));
    fireEvent.change(screen.getByTestId('log-container'), { target: { value: 'shop-db-1' } });
    await waitFor(() => expect(FakeEventSource.opened).toHaveLength(2));
    expect(FakeEventSource.opened[0]!.closed).toBe(true);
    expect(FakeEventSource.opened[1]!.url).toBe('/api/v1/containers/shop-db-1/logs?follow=1&tail=200&timestamps=1');
    fireEvent.change(screen.getByTestId('log-container'), { target: { value: '' } });
    await waitFor(() => expect(FakeEventSource.opened).toHaveLength(3));
    expect(FakeEventSource.opened[2]!.url).toContain('/api/v1/stacks/shop/logs?');
  });
});
