import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ReactNode } from 'react';
import { renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MantineProvider } from '@mantine/core';
import { applyVersion, deleteStack, runtimeAction, useEnqueue } from './actions';
import { ApiError } from './client';
import { enqueueOnce, newIdempotencyKey } from './idempotency';
import { stubFetch } from '../test/render';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const accepted = { command_id: 'c-1', seq: 1, status: 'PENDING', location: '/api/v1/commands/c-1' };
const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

/** Answers the given responses in turn (a function may throw, as fetch does offline). */
function sequence(...answers: (() => Response)[]) {
  let i = 0;
  return () => answers[Math.min(i++, answers.length - 1)]!();
}

const noSleep = vi.fn(async (_ms: number) => undefined);

afterEach(() => {
  vi.unstubAllGlobals();
  noSleep.mockClear();
});

describe('Idempotency-Key on enqueues', () => {
  it('sends one key per action and the same key again when the server was busy', async () => {
    const { fetchStub, calls } = stubFetch({
      'POST /api/v1/stacks/shop/start': sequence(
        () => json({ title: 'Service unavailable' }, 503, { 'Retry-After': '2' }),
        () => json(accepted, 202),
      ),
    });
    vi.stubGlobal('fetch', fetchStub);
    const result = await enqueueOnce((key) => runtimeAction('shop', 'start', key), { sleep: noSleep });
    expect(result.command_id).toBe('c-1');
    expect(calls).toHaveLength(2);
    const [first, second] = calls.map((c) => c.headers.get('Idempotency-Key'));
    expect(first).toMatch(UUID);
    expect(second).toBe(first);
    expect(noSleep).toHaveBeenCalledWith(2000);
  });

  it('sends the same key again when no answer came at all', async () => {
    const { fetchStub, calls } = stubFetch({
      'POST /api/v1/stacks/shop/apply/3': sequence(
        () => {
          throw new TypeError('Failed to fetch');
        },
        () => json(accepted, 202),
      ),
    });
    vi.stubGlobal('fetch', fetchStub);
    await enqueueOnce((key) => applyVersion('shop', 3, false, key), { sleep: noSleep });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.headers.get('Idempotency-Key')).toMatch(UUID);
    expect(calls[1]!.headers.get('Idempotency-Key')).toBe(calls[0]!.headers.get('Idempotency-Key'));
  });

  it('gives every user action a fresh key, and does not resend a refused request', async () => {
    const { fetchStub, calls } = stubFetch({
      'POST /api/v1/stacks/shop/delete': () => json({ title: 'Forbidden' }, 403),
      'POST /api/v1/stacks/shop/services/web/restart': () => json(accepted, 202),
    });
    vi.stubGlobal('fetch', fetchStub);
    await expect(enqueueOnce((key) => deleteStack('shop', false, key), { sleep: noSleep })).rejects.toBeInstanceOf(
      ApiError,
    );
    expect(calls).toHaveLength(1);
    await enqueueOnce((key) => runtimeAction('shop', 'restart', key, 'web'));
    await enqueueOnce((key) => runtimeAction('shop', 'restart', key, 'web'));
    const keys = calls.map((c) => c.headers.get('Idempotency-Key'));
    expect(new Set(keys).size).toBe(3);
    expect(noSleep).not.toHaveBeenCalled();
  });

  it('gives up after a few busy answers, with the last error', async () => {
    const { fetchStub, calls } = stubFetch({
      'POST /api/v1/stacks/shop/stop': () => json({ title: 'Service unavailable' }, 503, { 'Retry-After': '1' }),
    });
    vi.stubGlobal('fetch', fetchStub);
    const attempt = enqueueOnce((key) => runtimeAction('shop', 'stop', key), { sleep: noSleep, attempts: 3 });
    await expect(attempt).rejects.toMatchObject({ status: 503, retryAfter: 1 });
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers.get('Idempotency-Key'))).size).toBe(1);
  });

  it('makes UUIDs without crypto.randomUUID (plain http is not a secure context)', () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => real.getRandomValues(a) });
    const made = [newIdempotencyKey(), newIdempotencyKey()];
    vi.unstubAllGlobals();
    expect(made[0]).toMatch(UUID);
    expect(made[1]).not.toBe(made[0]);
  });

  it('useEnqueue sends a key with the console’s enqueues', async () => {
    const { fetchStub, calls } = stubFetch({ 'POST /api/v1/stacks/shop/restart': () => json(accepted, 202) });
    vi.stubGlobal('fetch', fetchStub);
    const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <MantineProvider>
        <QueryClientProvider client={client}>{children}</QueryClientProvider>
      </MantineProvider>
    );
    const { result } = renderHook(
      () => useEnqueue((verb: 'restart', key) => runtimeAction('shop', verb, key), () => 'Restart shop'),
      { wrapper },
    );
    result.current.mutate('restart');
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(calls[0]!.headers.get('Idempotency-Key')).toMatch(UUID);
  });
});
