// The admin API (auth contract). Hand-typed until the backend's schema describes it; the
// shapes follow the contract exactly.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { notifications } from '@mantine/notifications';
import { errorMessage, request } from '../../api/client';
import type { Role } from '../../lib/roles';

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface User {
  username: string;
  role: Role | null;
  stack_roles: Record<string, Role>;
  enabled: boolean;
  source: 'local' | 'oidc';
  created_at: string;
}

export interface ApiToken {
  token_id: string;
  name: string;
  owner: string;
  role: Role;
  stacks: string[] | null;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked: boolean;
}

export interface AuditEntry {
  id: number | string;
  time: string;
  actor: string;
  source: string | null;
  action: string;
  target: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
}

export interface Policy {
  rules: Record<string, { enabled: boolean; description: string }>;
  allowed_bind_roots: string[];
  sensitive_paths: string[];
  dangerous_capabilities: string[];
}

export interface PolicyException {
  id: string | number;
  stack: string;
  rule: string;
  reason: string;
  granted_by: string;
  created_at: string;
}

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
