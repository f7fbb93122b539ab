import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import { DashboardPage, lastChange } from './DashboardPage';
import { renderWith, stubFetch, user } from '../test/render';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const stack = (name: string, id: string, author: string, savedAt: string) => ({
  stack_id: id,
  name,
  current_version: 2,
  desired_version: 2,
  latest_version: 3,
  status: 'RUNNING',
  created_at: savedAt,
  updated_at: savedAt,
  latest_version_author: author,
  latest_version_at: savedAt,
  host_id: name === 'blog' ? 'edge-1' : 'local',
});

const command = (stackId: string, requestedBy: string, at: string) => ({
  command_id: `c-${stackId}`,
  seq: 1,
  stack_id: stackId,
  type: 'APPLY',
  payload: {},
  status: 'DONE',
  attempts: 1,
  requested_by: requestedBy,
  cancel_requested: false,
  error: null,
  created_at: at,
  started_at: at,
  finished_at: at,
  updated_at: at,
});

afterEach(() => vi.unstubAllGlobals());

describe('DashboardPage', () => {
  it("shows each stack's health counts, last change and who made it, and the host", async () => {
    const { fetchStub } = stubFetch({
      'GET /api/v1/stacks': {
        items: [stack('shop', 's1', 'olga', minutesAgo(3)), stack('blog', 's2', 'ivan', minutesAgo(120))],
        total: 2,
        limit: 500,
        offset: 0,
      },
      'GET /api/v1/status': [
        { stack_id: 's1', name: 'shop', status: 'DEGRADED', containers: 3, running: 3, drift: 0, healthy: 2, unhealthy: 1, starting: 0 },
        { stack_id: 's2', name: 'blog', status: 'RUNNING', containers: 1, running: 1, drift: 0, healthy: 0, unhealthy: 0, starting: 1 },
      ],
      'GET /api/v1/status/hosts': [
        { host_id: 'local', name: 'local', address: 'unix:///var/run/docker.sock', reachable: true, event_stream_connected: true, stacks: { DEGRADED: 1 } },
        { host_id: 'edge-1', name: 'edge', address: 'tcp://10.0.0.5:2376', reachable: true, event_stream_connected: true, stacks: { RUNNING: 1 } },
      ],
      // shop: saved after its last apply; blog: applied (by sam) after its last save
      'GET /api/v1/commands': { items: [command('s1', 'sam', minutesAgo(10)), command('s2', 'sam', minutesAgo(5))], total: 2, limit: 200, offset: 0 },
      'GET /api/v1/queue': { halted: false, halted_reason: null, depth: 0, on_failure: 'halt', head: null, running: null },
      'GET /api/v1/host': { reachable: true, address: 'unix:///var/run/docker.sock', version: '27.0', api_version: '1.46' },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<DashboardPage />, { me: user('viewer') });
    const shop = within(await screen.findByTestId('stack-health-shop'));
    expect(shop.getByText('3/3 running')).toBeInTheDocument();
    expect(shop.getByText('2 healthy')).toBeInTheDocument();
    expect(shop.getByText('1 unhealthy')).toBeInTheDocument();
    expect(shop.queryByText(/starting/)).toBeNull();
    expect(within(screen.getByTestId('stack-health-blog')).getByText('1 starting')).toBeInTheDocument();
    expect(screen.getByTestId('stack-change-shop')).toHaveTextContent('v3 saved by olga 3m ago');
    expect(screen.getByTestId('stack-change-blog')).toHaveTextContent('APPLY by sam 5m ago');
    expect((await screen.findAllByText('unix:///var/run/docker.sock')).length).toBeGreaterThan(0);
    expect(screen.getByTestId('stack-host-blog')).toHaveTextContent('on edge-1');
    expect(screen.getByTestId('stack-host-shop')).toHaveTextContent('on local');
    expect(await screen.findByTestId('host-row-edge-1')).toHaveTextContent('edge');
  });

  it("says why a stack's status is unknown when its host does not answer", async () => {
    const down = 'Docker engine unreachable at tcp://10.0.0.5:2376: connection refused';
    const { fetchStub } = stubFetch({
      'GET /api/v1/stacks': { items: [stack('blog', 's2', 'ivan', minutesAgo(120))], total: 1, limit: 500, offset: 0 },
      'GET /api/v1/status': [
        { stack_id: 's2', name: 'blog', status: 'UNKNOWN', containers: 0, running: 0, drift: 0, host_id: 'edge-1', reason: down },
      ],
      'GET /api/v1/status/hosts': [
        { host_id: 'edge-1', name: 'edge', address: 'tcp://10.0.0.5:2376', reachable: false, reason: down, event_stream_connected: false, stacks: { UNKNOWN: 1 } },
      ],
      'GET /api/v1/commands': { items: [], total: 0, limit: 200, offset: 0 },
      'GET /api/v1/queue': { halted: false, halted_reason: null, depth: 0, on_failure: 'halt', head: null, running: null },
      'GET /api/v1/host': { reachable: true, address: 'unix:///var/run/docker.sock', version: '27.0', api_version: '1.46' },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<DashboardPage />, { me: user('viewer') });
    expect(await screen.findByTestId('stack-reason-blog')).toHaveTextContent(down);
    expect(screen.getByTestId('stack-status-blog')).toHaveTextContent('UNKNOWN');
    expect(await screen.findByTestId('host-reason-edge-1')).toHaveTextContent('connection refused');
    expect(within(screen.getByTestId('host-row-edge-1')).getByText('unreachable')).toBeInTheDocument();
  });

  it('says no change for a stack with neither a dated version nor a command', () => {
    const bare = { ...stack('x', 'sx', 'a', minutesAgo(1)), latest_version_at: null, latest_version_author: null };
    expect(lastChange(bare as never, undefined)).toBeNull();
  });
});
