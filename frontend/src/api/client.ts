// The typed REST client, generated from the backend's OpenAPI schema (schema.d.ts; run
// `make api-client` after an API change). Every call goes through `api` so that the CSRF
// header and the error shape are handled in one place.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem from the API, thrown by `unwrap`. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly retryAfter: number | null;
  /** The whole problem document (some carry more than `errors`, e.g. the wizard's `violations`). */
  readonly body: Record<string, unknown>;

  constructor(status: number, body: unknown, retryAfter: number | null = null) {
    const problem = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : '';
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
    this.retryAfter = retryAfter;
    this.body = problem;
  }
}

export function readCookie(name: string): string | null {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(';')) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Session-cookie writes must echo the readable CSRF cookie (auth contract). */
export const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) {
      const token = readCookie('coremon_csrf');
      if (token) request.headers.set('X-CSRF-Token', token);
    }
    return request;
  },
};

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();
/** Called when any API call answers 401: the session ended; the app goes to the login page. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const authMiddleware: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/v1/auth/')) {
      unauthorizedListeners.forEach((listener) => listener());
    }
    return response;
  },
};

export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
  credentials: 'same-origin',
  // Looked up at call time (not captured once), so tests can stand in for the network.
  fetch: (input: Request) => globalThis.fetch(input),
});
api.use(csrfMiddleware, authMiddleware);

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call, or an ApiError. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const retry = response.headers.get('Retry-After');
    throw new ApiError(response.status, error, retry ? Number(retry) : null);
  }
  return data as T;
}

/** Tell the app the session ended (an answer 401 that did not come through `api`). */
export function reportUnauthorized(): void {
  unauthorizedListeners.forEach((listener) => listener());
}

/** A plain JSON call for endpoints the schema does not describe yet (same rules as `api`). */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const token = readCookie('coremon_csrf');
    if (token) headers['X-CSRF-Token'] = token;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { title: `HTTP ${response.status}`, detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/api/v1/auth/')) reportUnauthorized();
    const retry = response.headers.get('Retry-After');
    throw new ApiError(response.status, parsed, retry ? Number(retry) : null);
  }
  return parsed as T;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
