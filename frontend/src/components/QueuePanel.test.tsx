import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { QueuePanel } from './QueuePanel';
import { renderWith, stubFetch, user } from '../test/render';

const failed = {
  command_id: 'c-1',
  seq: 7,
  stack_id: 's1',
  type: 'APPLY',
  payload: { version: 2 },
  status: 'FAILED',
  attempts: 1,
  requested_by: 'ann',
  cancel_requested: false,
  error: 'image not found',
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  updated_at: '2026-01-01T00:00:00Z',
};

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'coremon_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

describe('QueuePanel', () => {
  const haltedBy = {
    visible: true,
    command_id: 'c-1',
    seq: 7,
    type: 'APPLY',
    stack_id: 's1',
    stack_name: 'shop',
    error: 'image not found',
    may_act: "an operator or admin of stack 'shop'",
    you_may_act: true,
  };

  it('names the failed command, its stack, its error and who may act; its operator retries', async () => {
    document.cookie = 'coremon_csrf=tok123';
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/queue': { halted: true, halted_reason: 'x', depth: 3, on_failure: 'halt', head: failed, running: null, halted_by: haltedBy },
      'POST /api/v1/commands/c-1/retry': { ...failed, status: 'PENDING' },
    });
    vi.stubGlobal('fetch', fetchStub);
    // an operator of that stack only (no global role)
    renderWith(<QueuePanel />, { me: user(null, { s1: 'operator' }) });
    expect(await screen.findByTestId('halt-error')).toHaveTextContent('image not found');
    expect(screen.getByTestId('halt-command')).toHaveTextContent('#7 APPLY v2');
    expect(screen.getByTestId('halt-stack')).toHaveTextContent('shop');
    expect(screen.getByTestId('halt-who')).toHaveTextContent("an operator or admin of stack 'shop' (you may)");
    expect(screen.getByTestId('queue-depth')).toHaveTextContent('3');
    expect(screen.getByTestId('queue-dismiss')).toBeEnabled(); // not an admin's only
    fireEvent.click(screen.getByTestId('queue-retry'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/api/v1/commands/c-1/retry');
    expect(post.headers.get('X-CSRF-Token')).toBe('tok123');
  });

  it('tells who cannot see the stack only that the queue is halted and who may act', async () => {
    const hidden = { ...haltedBy, visible: false, command_id: null, seq: null, type: null, stack_id: null, stack_name: null, error: null, may_act: 'an operator or admin of the stack it belongs to', you_may_act: false };
    const { fetchStub } = stubFetch({
      'GET /api/v1/queue': { halted: true, halted_reason: null, depth: 1, on_failure: 'halt', head: null, running: null, halted_by: hidden },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<QueuePanel />, { me: user(null, { s2: 'operator' }) });
    expect(await screen.findByTestId('queue-halted')).toHaveTextContent('a stack you cannot see');
    expect(screen.getByTestId('halt-who')).toHaveTextContent('(not you)');
    expect(screen.queryByTestId('queue-retry')).toBeNull();
    expect(screen.queryByTestId('queue-dismiss')).toBeNull();
  });

  it('says when nothing runs', async () => {
    const { fetchStub } = stubFetch({
      'GET /api/v1/queue': { halted: false, halted_reason: null, depth: 0, on_failure: 'halt', head: null, running: null },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<QueuePanel />, { me: user('viewer') });
    expect(await screen.findByText('nothing')).toBeInTheDocument();
    expect(screen.queryByTestId('queue-halted')).toBeNull();
  });
});
