// Every enqueue carries an Idempotency-Key: one fresh key per user action, sent again on each
// automatic retry of that action. When an answer is lost (the server restarted, the network
// dropped) or the server is busy (503 + Retry-After), the retry with the same key returns the
// command the first attempt queued instead of queueing it twice.
import { ApiError } from './client';

/** A random UUID (v4). crypto.randomUUID needs a secure context (https or localhost); the
 * console may be served over plain http on a private network, where getRandomValues works. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RetryOptions {
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  newKey?: () => string;
}

const MAX_WAIT_MS = 10_000;
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long to wait before sending the same request again, or null when it must not be. */
export function retryDelay(error: unknown): number | null {
  if (error instanceof ApiError) {
    if (error.status !== 502 && error.status !== 503 && error.status !== 504) return null;
    return Math.min(MAX_WAIT_MS, Math.max(1, error.retryAfter ?? 1) * 1000);
  }
  // fetch rejects (TypeError) when no answer came at all: the request may have landed
  return error instanceof TypeError ? 1000 : null;
}

/** Run one user action's enqueue: one key for all its attempts. */
export async function enqueueOnce<T>(send: (key: string) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 4, sleep = wait, newKey = newIdempotencyKey } = options;
  const key = newKey();
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(key);
    } catch (error) {
      const delay = retryDelay(error);
      if (delay === null || attempt >= attempts) throw error;
      await sleep(delay);
    }
  }
}
