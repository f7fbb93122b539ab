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
    expect(await screen.findByText('unix:///var/run/docker.sock')).toBeInTheDocument();
  });

  it('says no change for a stack with neither a dated version nor a command', () => {
    const bare = { ...stack('x', 'sx', 'a', minutesAgo(1)), latest_version_at: null, latest_version_author: null };
    expect(lastChange(bare as never, undefined)).toBeNull();
  });
});
