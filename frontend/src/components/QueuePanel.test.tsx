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
  it('shows a halted queue with Retry, which posts with the CSRF token', async () => {
    document.cookie = 'coremon_csrf=tok123';
    const { fetchStub, calls } = stubFetch({
      'GET /api/v1/queue': { halted: true, halted_reason: 'x', depth: 3, on_failure: 'halt', head: failed, running: null },
      'POST /api/v1/commands/c-1/retry': { ...failed, status: 'PENDING' },
    });
    vi.stubGlobal('fetch', fetchStub);
    renderWith(<QueuePanel />, { me: user('operator') });
    expect(await screen.findByTestId('queue-halted')).toHaveTextContent('image not found');
    expect(screen.getByTestId('queue-depth')).toHaveTextContent('3');
    // An operator may retry but not dismiss (admin only): disabled, with the reason.
    expect(screen.getByTestId('queue-dismiss')).toBeDisabled();
    fireEvent.click(screen.getByTestId('queue-retry'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/api/v1/commands/c-1/retry');
    expect(post.headers.get('X-CSRF-Token')).toBe('tok123');
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
