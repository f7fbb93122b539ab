// WRITE calls. Each one that enqueues a command answers 202 with the command id; the event
// stream then reports its progress (no polling). Enqueues send the Idempotency-Key they are
// given (see idempotency.ts): `useEnqueue` makes one per user action.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { api, errorMessage, unwrap } from './client';
import { enqueueOnce } from './idempotency';
import { keys, type CommandAccepted } from './queries';

export type RuntimeVerb = 'start' | 'stop' | 'restart';

const once = (key: string) => ({ 'idempotency-key': key });

/** Options of an APPLY (force: although the stack is frozen; atomic: revert if unhealthy). */
export interface ApplyOptions {
  force?: boolean;
  atomic?: boolean;
}

export function applyVersion(
  stack: string,
  version: number,
  rollback: boolean,
  key: string,
  options: ApplyOptions = {},
) {
  const params = { params: { path: { stack_id: stack, version }, header: once(key) } };
  if (rollback) return unwrap(api.POST('/api/v1/stacks/{stack_id}/rollback/{version}', params));
  const body = {
    ...(options.force ? { force: true } : {}),
    ...(options.atomic ? { atomic: true } : {}),
  };
  return unwrap(
    api.POST('/api/v1/stacks/{stack_id}/apply/{version}', {
      ...params,
      ...(Object.keys(body).length ? { body } : {}),
    }),
  );
}

/** Lift the freeze a rollback set (operator; audited). */
export function unfreezeStack(stack: string) {
  return unwrap(api.POST('/api/v1/stacks/{stack_id}/unfreeze', { params: { path: { stack_id: stack } } }));
}

export function runtimeAction(stack: string, verb: RuntimeVerb, key: string, service?: string) {
  if (service) {
    const params = { params: { path: { stack_id: stack, service }, header: once(key) } };
    switch (verb) {
      case 'start':
        return unwrap(api.POST('/api/v1/stacks/{stack_id}/services/{service}/start', params));
      case 'stop':
        return unwrap(api.POST('/api/v1/stacks/{stack_id}/services/{service}/stop', params));
      case 'restart':
        return unwrap(api.POST('/api/v1/stacks/{stack_id}/services/{service}/restart', params));
    }
  }
  const params = { params: { path: { stack_id: stack }, header: once(key) } };
  switch (verb) {
    case 'start':
      return unwrap(api.POST('/api/v1/stacks/{stack_id}/start', params));
    case 'stop':
      return unwrap(api.POST('/api/v1/stacks/{stack_id}/stop', params));
    case 'restart':
      return unwrap(api.POST('/api/v1/stacks/{stack_id}/restart', params));
  }
}

export function deleteStack(stack: string, removeVolumes: boolean, key: string) {
  return unwrap(
    api.POST('/api/v1/stacks/{stack_id}/delete', {
      params: { path: { stack_id: stack }, header: once(key) },
      body: { remove_volumes: removeVolumes },
    }),
  );
}

/** A new live stack from a deleted stack's version (its secrets carried over by the server). */
export function restoreStack(stackId: string, version: number, name: string | null) {
  return unwrap(
    api.POST('/api/v1/stacks/{stack_id}/restore', {
      params: { path: { stack_id: stackId } },
      body: { version, name: name || null },
    }),
  );
}

export function cancelCommand(id: string) {
  return unwrap(
    api.POST('/api/v1/commands/{command_id}/cancel', { params: { path: { command_id: id } } }),
  );
}

export function retryCommand(id: string) {
  return unwrap(
    api.POST('/api/v1/commands/{command_id}/retry', { params: { path: { command_id: id } } }),
  );
}

export function dismissCommand(id: string, reason: string) {
  return unwrap(
    api.POST('/api/v1/commands/{command_id}/dismiss', {
      params: { path: { command_id: id } },
      body: { reason },
    }),
  );
}

/** A mutation that enqueues a command: a toast says it is queued, errors are toasted too.
 * Each `mutate` is one user action: one Idempotency-Key, reused when the answer is lost or
 * the server is busy and the request is sent again. */
export function useEnqueue<A>(
  fn: (args: A, key: string) => Promise<CommandAccepted>,
  label: (args: A) => string,
) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (args: A) => enqueueOnce((key) => fn(args, key)),
    onSuccess: (accepted, args) => {
      notifications.show({
        id: `queued-${accepted.command_id}`,
        title: 'Queued',
        message: `${label(args)} (command #${accepted.seq})`,
        color: 'blue',
      });
      void client.invalidateQueries({ queryKey: keys.queue });
      void client.invalidateQueries({ queryKey: ['commands'] });
    },
    onError: (error, args) => {
      notifications.show({ title: `${label(args)} refused`, message: errorMessage(error), color: 'red' });
    },
  });
}

/** A mutation on a command (cancel / retry / dismiss). */
export function useCommandVerb<A>(fn: (args: A) => Promise<unknown>, label: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.queue });
      void client.invalidateQueries({ queryKey: ['commands'] });
      void client.invalidateQueries({ queryKey: ['command'] });
    },
    onError: (error) => {
      notifications.show({ title: `${label} refused`, message: errorMessage(error), color: 'red' });
    },
  });
}
