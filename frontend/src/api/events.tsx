// One EventSource on /api/v1/events for the whole app. Each event invalidates the queries it
// affects (batched, so a burst of engine events costs one refetch), command completions
// become toasts, and pages may subscribe to see raw events. The browser resumes with
// Last-Event-ID by itself when the stream drops; a `gap` means events were lost: refetch all.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { keys } from './queries';
import { authKeys } from './auth';
import { markGone, unmarkGone } from '../lib/goneStacks';

export interface HubEvent {
  id: number;
  kind: 'container' | 'command' | 'engine';
  action: string;
  time: number;
  stack: string | null;
  stack_id: string | null;
  host?: string | null; // the Docker host it happened on
  [field: string]: unknown;
}

type Listener = (event: HubEvent) => void;
export type StreamState = 'connecting' | 'open' | 'closed';

interface EventsContextValue {
  state: StreamState;
  subscribe: (listener: Listener) => () => void;
}

const EventsContext = createContext<EventsContextValue>({
  state: 'closed',
  subscribe: () => () => undefined,
});

/** A DELETE that went through: the stack is gone, asking about it again would only 404. */
export function deletedStack(event: HubEvent): string | null {
  const done = event.kind === 'command' && event.action === 'finished' && event.status === 'DONE';
  return done && event.type === 'DELETE' && event.stack ? event.stack : null;
}

/** Query keys an event makes stale. Pure, so it is unit-tested. */
export function keysFor(event: HubEvent): (readonly unknown[])[] {
  const out: (readonly unknown[])[] = [keys.allStatus];
  const stackKey = event.stack ? keys.stack(event.stack) : ['stack'];
  if (event.kind === 'container') {
    out.push([...stackKey, 'status'], keys.host);
  } else if (event.kind === 'command') {
    out.push(keys.queue, ['commands'], keys.stacks);
    if (!deletedStack(event)) out.push(stackKey);
    if (typeof event.command_id === 'string') out.push(keys.command(event.command_id));
  } else {
    out.push(keys.host, ['stack']);
  }
  return out;
}

function toast(event: HubEvent) {
  if (event.kind === 'command' && event.action === 'finished') {
    const status = String(event.status ?? '');
    const ok = status === 'DONE';
    notifications.show({
      title: `${String(event.type)} ${status === 'DONE' ? 'done' : status.toLowerCase()}`,
      message: `${event.stack ?? 'command'} — command #${String(event.seq)} ${status}`,
      color: ok ? 'green' : status === 'CANCELLED' ? 'gray' : 'red',
      autoClose: ok ? 4000 : 8000,
    });
  } else if (event.kind === 'engine' && event.action === 'disconnected') {
    notifications.show({
      id: `engine-${String(event.host ?? 'local')}`,
      title: event.host ? `Docker engine unreachable (host ${String(event.host)})` : 'Docker engine unreachable',
      message: String(event.reason ?? 'the event stream was lost; reconnecting'),
      color: 'red',
    });
  }
}

/** A DELETE starting makes the stack's queries idle (goneStacks); one that did not go through
 * gives them back. */
function followDeletes(client: QueryClient, event: HubEvent) {
  if (event.kind !== 'command' || event.type !== 'DELETE' || !event.stack) return;
  if (event.action === 'started') {
    markGone(event.stack);
    void client.cancelQueries({ queryKey: keys.stack(event.stack) });
  } else if (event.action === 'finished' && event.status !== 'DONE') {
    unmarkGone(event.stack);
  }
}

const GOING = new Set(['kill', 'die', 'stop', 'destroy', 'pause', 'oom']);

/** A container about to stop or go (or a command about to change the stack) makes a stats
 * sample in flight pointless, and a 404 once the container is removed: abort it now. */
function stopSampling(client: QueryClient, event: HubEvent) {
  if (event.kind === 'command' && event.action === 'started') {
    void client.cancelQueries({ queryKey: ['stats'] });
  } else if (event.kind === 'container' && GOING.has(event.action) && typeof event.container_id === 'string') {
    void client.cancelQueries({ queryKey: keys.stats(event.container_id) });
  }
}

class Batcher {
  private pending = new Map<string, readonly unknown[]>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  constructor(private readonly client: QueryClient, private readonly delay = 250) {}

  add(queryKeys: (readonly unknown[])[]) {
    for (const key of queryKeys) this.pending.set(JSON.stringify(key), key);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.delay);
  }

  flush() {
    this.timer = null;
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const queryKey of batch) void this.client.invalidateQueries({ queryKey });
  }

  cancel() {
    if (this.timer) clearTimeout(this.timer);
  }
}

export function EventStreamProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<StreamState>('connecting');
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    const batcher = new Batcher(client);
    const source = new EventSource('/api/v1/events', { withCredentials: true });
    let wasOpen = false;
    const handle = (message: MessageEvent<string>) => {
      let event: HubEvent;
      try {
        event = JSON.parse(message.data) as HubEvent;
      } catch {
        return;
      }
      followDeletes(client, event);
      batcher.add(keysFor(event));
      stopSampling(client, event);
      toast(event);
      listeners.current.forEach((listener) => listener(event));
    };
    source.onopen = () => {
      setState('open');
      // After a reconnect the browser resumed from Last-Event-ID; a first open needs nothing.
      if (wasOpen) batcher.add([keys.allStatus, keys.queue, ['stack']]);
      wasOpen = true;
    };
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    for (const kind of ['container', 'command', 'engine']) {
      source.addEventListener(kind, handle as EventListener);
    }
    source.addEventListener('gap', () => void client.invalidateQueries());
    // The server ends the stream when the session was revoked or expired: ask who we are,
    // which sends the user to the login page if it is over.
    source.addEventListener('end', () => {
      source.close();
      setState('closed');
      void client.invalidateQueries({ queryKey: authKeys.session });
    });
    return () => {
      batcher.cancel();
      source.close();
    };
  }, [client]);

  const value = useRef<EventsContextValue>({
    state: 'connecting',
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  return (
    <EventsContext.Provider value={{ ...value.current, state }}>{children}</EventsContext.Provider>
  );
}

export function useEventStream(): EventsContextValue {
  return useContext(EventsContext);
}

/** Call `listener` for every event while the component is mounted. */
export function useEvents(listener: Listener) {
  const { subscribe } = useEventStream();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribe((event) => latest.current(event)), [subscribe]);
}
