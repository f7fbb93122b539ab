// WRITE calls. Each one that enqueues a command answers 202 with the command id; the event
// stream then reports its progress (no polling).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { api, errorMessage, unwrap } from './client';
import { keys, type CommandAccepted } from './queries';

export type RuntimeVerb = 'start' | 'stop' | 'restart';

export function applyVersion(stack: string, version: number, rollback: boolean) {
  const params = { params: { path: { stack_id: stack, version } } };
  return rollback
    ? unwrap(api.POST('/api/v1/stacks/{stack_id}/rollback/{version}', params))
    : unwrap(api.POST('/api/v1/stacks/{stack_id}/apply/{version}', params));
}

export function runtimeAction(stack: string, verb: RuntimeVerb, service?: string) {
  if (service) {
    const params = { params: { path: { stack_id: stack, service } } };
    switch (verb) {
      case 'start':
        return unwrap(api.POST('/api/v1/stacks/{stack_id}/services/{service}/start', params));
      case 'stop':
        return unwrap(api.POST('/api/v1/stacks/{stack_id}/services/{service}/stop', params));
      case 'restart':
        return unwrap(api.POST('/api/v1/stacks/{stack_id}/services/{service}/restart', params));
    }
  }
  const params = { params: { path: { stack_id: stack } } };
  switch (verb) {
    case 'start':
      return unwrap(api.POST('/api/v1/stacks/{stack_id}/start', params));
    case 'stop':
      return unwrap(api.POST('/api/v1/stacks/{stack_id}/stop', params));
    case 'restart':
      return unwrap(api.POST('/api/v1/stacks/{stack_id}/restart', params));
  }
}

export function deleteStack(stack: string, removeVolumes: boolean) {
  return unwrap(
    api.POST('/api/v1/stacks/{stack_id}/delete', {
      params: { path: { stack_id: stack } },
      body: { remove_volumes: removeVolumes },
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

/** A mutation that enqueues a command: a toast says it is queued, errors are toasted too. */
export function useEnqueue<A>(fn: (args: A) => Promise<CommandAccepted>, label: (args: A) => string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
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
