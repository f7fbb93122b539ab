// Stacks being deleted. From the moment a DELETE is accepted (or seen starting on the event
// stream) the console stops asking about the stack: it is about to answer 404. A DELETE
// that fails or is cancelled gives the stack back.
import { useSyncExternalStore } from 'react';

const gone = new Set<string>();
const listeners = new Set<() => void>();

function changed() {
  listeners.forEach((listener) => listener());
}

export function markGone(name: string): void {
  if (!gone.has(name)) {
    gone.add(name);
    changed();
  }
}

export function unmarkGone(name: string): void {
  if (gone.delete(name)) changed();
}

export function isGone(name: string): boolean {
  return gone.has(name);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useGone(name: string): boolean {
  return useSyncExternalStore(subscribe, () => gone.has(name));
}
