// Every GET the console makes, as TanStack Query hooks. Keys are arrays whose first items
// name what the event stream invalidates (see events.tsx): ['status'], ['stack', name, …],
// ['queue'], ['commands'], ['command', id], ['host'].
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from './client';
import { useGone } from '../lib/goneStacks';

export type Stack = Schemas['StackOut'];
export type StackSummary = Schemas['StackSummary'];
export type StackStatus = Schemas['StackStatusOut'];
export type ServiceStatus = Schemas['ServiceStatus'];
export type ContainerStatus = Schemas['ContainerStatus'];
export type VersionSummary = Schemas['VersionSummary'];
export type Version = Schemas['VersionOut'];
export type VersionDiff = Schemas['VersionDiff'];
export type Plan = Schemas['Plan'];
export type Command = Schemas['CommandOut'];
export type CommandAccepted = Schemas['CommandAccepted'];
export type Queue = Schemas['QueueOut'];
export type Host = Schemas['HostOut'];
export type HostStatus = Schemas['HostStatus'];
export type ContainerStats = Schemas['ContainerStats'];
export type DriftItem = Schemas['DriftItem'];
export type LogLine = Schemas['LogLine'];
export type CommandLogLine = Schemas['LogLineOut'];
export type LocalImage = Schemas['LocalImage'];

export const keys = {
  stacks: ['stacks'] as const,
  deletedStacks: ['stacks', 'deleted'] as const,
  allStatus: ['status'] as const,
  stack: (name: string) => ['stack', name] as const,
  stackStatus: (name: string) => ['stack', name, 'status'] as const,
  versions: (name: string) => ['stack', name, 'versions'] as const,
  version: (name: string, v: number) => ['stack', name, 'version', v] as const,
  diff: (name: string, a: number, b: number) => ['stack', name, 'diff', a, b] as const,
  plan: (name: string, v: number) => ['stack', name, 'plan', v] as const,
  queue: ['queue'] as const,
  commands: (filters: object) => ['commands', filters] as const,
  command: (id: string) => ['command', id] as const,
  commandLogs: (id: string) => ['command', id, 'logs'] as const,
  host: ['host'] as const,
  hostsStatus: ['host', 'all'] as const, // under keys.host: the same events make it stale
  images: ['images'] as const,
  stats: (id: string) => ['stats', id] as const,
};

export function useStacks() {
  return useQuery({
    queryKey: keys.stacks,
    queryFn: () => unwrap(api.GET('/api/v1/stacks', { params: { query: { limit: 500 } } })),
  });
}

/** The deleted stacks one may see: their history stays readable, by id. */
export function useDeletedStacks(enabled: boolean) {
  return useQuery({
    queryKey: keys.deletedStacks,
    enabled,
    queryFn: () => unwrap(api.GET('/api/v1/stacks', { params: { query: { limit: 500, deleted: true } } })),
  });
}

export function useAllStatus() {
  return useQuery({
    queryKey: keys.allStatus,
    queryFn: () => unwrap(api.GET('/api/v1/status')),
  });
}

export function useStack(name: string) {
  const gone = useGone(name);
  return useQuery({
    queryKey: keys.stack(name),
    enabled: !gone,
    queryFn: () =>
      unwrap(api.GET('/api/v1/stacks/{stack_id}', { params: { path: { stack_id: name } } })),
  });
}

/** `live` false (a deleted stack, or one not loaded yet): no status to ask for. */
export function useStackStatus(name: string, live = true) {
  const gone = useGone(name);
  return useQuery({
    queryKey: keys.stackStatus(name),
    enabled: !gone && live,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/stacks/{stack_id}/status', { params: { path: { stack_id: name } } }),
      ),
  });
}

export function useVersions(name: string) {
  const gone = useGone(name);
  return useQuery({
    queryKey: keys.versions(name),
    enabled: !gone,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/stacks/{stack_id}/versions', {
          params: { path: { stack_id: name }, query: { limit: 500 } },
        }),
      ),
  });
}

export function useVersion(name: string, version: number | null) {
  const gone = useGone(name);
  return useQuery({
    queryKey: keys.version(name, version ?? 0),
    enabled: !gone && version !== null && version > 0,
    // versions are immutable
    staleTime: Infinity,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/stacks/{stack_id}/versions/{version}', {
          params: { path: { stack_id: name, version: version ?? 0 } },
        }),
      ),
  });
}

export function useDiff(name: string, a: number, b: number) {
  const gone = useGone(name);
  return useQuery({
    queryKey: keys.diff(name, a, b),
    enabled: !gone && a > 0 && b > 0,
    staleTime: Infinity,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/stacks/{stack_id}/versions/{a}/diff/{b}', {
          params: { path: { stack_id: name, a, b } },
        }),
      ),
  });
}

export function usePlan(name: string, version: number | null) {
  const gone = useGone(name);
  return useQuery({
    queryKey: keys.plan(name, version ?? 0),
    enabled: !gone && version !== null,
    // a plan is a snapshot of "now": always ask again when the dialog opens
    staleTime: 0,
    gcTime: 0,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/stacks/{stack_id}/plan/{version}', {
          params: { path: { stack_id: name, version: version ?? 0 } },
        }),
      ),
  });
}

export interface CommandFilters {
  stack_id?: string;
  status?: Command['status'];
  type?: Command['type'];
  limit?: number;
  offset?: number;
}

export function useCommands(filters: CommandFilters) {
  return useQuery({
    queryKey: keys.commands(filters),
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(api.GET('/api/v1/commands', { params: { query: { limit: 50, ...filters } } })),
  });
}

export function useCommand(id: string) {
  return useQuery({
    queryKey: keys.command(id),
    queryFn: () =>
      unwrap(api.GET('/api/v1/commands/{command_id}', { params: { path: { command_id: id } } })),
  });
}

export function useQueue() {
  return useQuery({
    queryKey: keys.queue,
    queryFn: () => unwrap(api.GET('/api/v1/queue')),
  });
}

export function useHost() {
  return useQuery({
    queryKey: keys.host,
    staleTime: 30_000,
    queryFn: () => unwrap(api.GET('/api/v1/host')),
  });
}

/** One stats sample per container, every few seconds, only while the page is visible. */
export function useContainerStats(id: string | null | undefined, enabled: boolean) {
  return useQuery({
    queryKey: keys.stats(id ?? ''),
    enabled: Boolean(id) && enabled,
    refetchInterval: 5_000,
    refetchIntervalInBackground: false,
    retry: false,
    // With the signal, a sample in flight is aborted when its container goes away (see
    // events.tsx) or nobody looks any more.
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/v1/containers/{container_id}/stats', {
          params: { path: { container_id: id ?? '' } },
          signal,
        }),
      ),
  });
}

/** The engine's local images (the editor offers them). Best effort: a caller whose role
 * cannot list them (403) or an engine that does not answer just gets no suggestions. */
export function useLocalImages() {
  return useQuery({
    queryKey: keys.images,
    staleTime: 60_000,
    retry: false,
    queryFn: () => unwrap(api.GET('/api/v1/images')),
  });
}

/** Every Docker host: reachable or why not, its engine's facts, its stacks' statuses. */
export function useHostsStatus() {
  return useQuery({
    queryKey: keys.hostsStatus,
    staleTime: 10_000,
    queryFn: () => unwrap(api.GET('/api/v1/status/hosts')),
  });
}
