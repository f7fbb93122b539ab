// The admin API (auth contract): users, API tokens, audit trail, policy and exceptions.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { errorMessage, request, type Schemas } from '../../api/client';

// The shapes come from the generated schema, so a change of the admin API breaks the build.
export type Page<T> = { items: T[]; total: number; limit: number; offset: number };
export type User = Schemas['UserOut'];
export type ApiToken = Schemas['ApiTokenOut'];
export type ApiTokenCreated = Schemas['ApiTokenCreated'];
export type AuditEntry = Schemas['AuditOut'];
export type Policy = Schemas['Policy'];
export type PolicyException = Schemas['ExceptionOut'];

export const adminKeys = {
  users: ['admin', 'users'] as const,
  tokens: ['admin', 'tokens'] as const,
  audit: (q: string) => ['admin', 'audit', q] as const,
  policy: ['admin', 'policy'] as const,
  exceptions: ['admin', 'exceptions'] as const,
};

export const useUsers = () =>
  useQuery({ queryKey: adminKeys.users, queryFn: () => request<Page<User>>('GET', '/api/v1/users?limit=500') });
export const useTokens = () =>
  useQuery({ queryKey: adminKeys.tokens, queryFn: () => request<Page<ApiToken>>('GET', '/api/v1/tokens?limit=500') });
export const useAudit = (query: string) =>
  useQuery({ queryKey: adminKeys.audit(query), queryFn: () => request<Page<AuditEntry>>('GET', `/api/v1/audit?${query}`) });
export const usePolicy = () => useQuery({ queryKey: adminKeys.policy, queryFn: () => request<Policy>('GET', '/api/v1/policy') });
export const useExceptions = () =>
  useQuery({ queryKey: adminKeys.exceptions, queryFn: () => request<PolicyException[]>('GET', '/api/v1/policy/exceptions') });

/** A write that refreshes `key` on success and toasts both outcomes. */
export function useAdminWrite<A, R>(fn: (args: A) => Promise<R>, key: readonly unknown[], done: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: key });
      notifications.show({ color: 'green', title: done, message: '' });
    },
    onError: (error) => notifications.show({ color: 'red', title: 'Refused', message: errorMessage(error) }),
  });
}
