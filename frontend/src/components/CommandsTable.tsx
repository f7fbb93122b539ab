// Commands, newest first, with filters kept in the address (so a filtered list is a link).
import { Anchor, Button, Card, Group, NativeSelect, Pagination, Stack, Table, Text, TextInput } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useCommands, type Command, type CommandFilters } from '../api/queries';
import { EmptyState, Loading, QueryError, StatusBadge } from './common';
import { formatTime } from '../lib/format';

const STATUSES = ['', 'PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED'];
const TYPES = ['', 'APPLY', 'ROLLBACK', 'DEPLOY', 'DELETE', 'START', 'STOP', 'RESTART'];
const PAGE = 25;

export function describe(c: Command): string {
  const parts: string[] = [];
  if (typeof c.payload.version === 'number') parts.push(`v${c.payload.version}`);
  if (typeof c.payload.service === 'string') parts.push(c.payload.service);
  if (c.payload.remove_volumes === true) parts.push('with volumes');
  return parts.join(' · ');
}

export function CommandsTable({ stackId, stackNames }: { stackId?: string; stackNames?: Map<string, string> }) {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page') ?? 1));
  const filters: CommandFilters = {
    stack_id: stackId ?? (params.get('stack') || undefined),
    status: (params.get('status') || undefined) as CommandFilters['status'],
    type: (params.get('type') || undefined) as CommandFilters['type'],
    limit: PAGE,
    offset: (page - 1) * PAGE,
  };
  const commands = useCommands(filters);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next, { replace: true });
  };
  const total = commands.data?.total ?? 0;
  const filtered = Boolean(filters.status || filters.type || (!stackId && filters.stack_id));

  return (
    <Stack>
      <Group align="flex-end" wrap="wrap">
        {!stackId && (
          <TextInput
            label="Stack"
            placeholder="name"
            defaultValue={params.get('stack') ?? ''}
            onBlur={(e) => set('stack', e.currentTarget.value.trim())}
            onKeyDown={(e) => e.key === 'Enter' && set('stack', e.currentTarget.value.trim())}
            data-testid="filter-stack"
          />
        )}
        <NativeSelect label="Status" data={STATUSES.map((s) => ({ value: s, label: s || 'any' }))} value={filters.status ?? ''} onChange={(e) => set('status', e.currentTarget.value)} data-testid="filter-status" />
        <NativeSelect label="Type" data={TYPES.map((s) => ({ value: s, label: s || 'any' }))} value={filters.type ?? ''} onChange={(e) => set('type', e.currentTarget.value)} data-testid="filter-type" />
        {filtered && (
          <Button variant="subtle" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </Button>
        )}
      </Group>
      <Card withBorder p={0}>
        {commands.isPending && <Loading />}
        {commands.isError && <QueryError error={commands.error} />}
        {commands.data && commands.data.items.length === 0 && (
          <EmptyState title={filtered ? 'No command matches' : 'No command yet'}>
            {filtered
              ? 'Change or clear the filters.'
              : 'Commands appear here when you apply, roll back, start, stop, restart or delete a stack.'}
          </EmptyState>
        )}
        {commands.data && commands.data.items.length > 0 && (
          <Table.ScrollContainer minWidth={700} type="native" tabIndex={0}>
            <Table highlightOnHover data-testid="commands-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>Type</Table.Th>
                  {!stackId && <Table.Th>Stack</Table.Th>}
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>By</Table.Th>
                  <Table.Th>Queued</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {commands.data.items.map((c) => (
                  <Table.Tr key={c.command_id} data-testid="command-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/commands/${c.command_id}`}>
                        #{c.seq}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {c.type}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {describe(c)}
                      </Text>
                    </Table.Td>
                    {!stackId && (
                      <Table.Td>
                        {c.stack_id ? (
                          <Anchor component={Link} to={`/stacks/${stackNames?.get(c.stack_id) ?? c.stack_id}`} size="sm">
                            {stackNames?.get(c.stack_id) ?? c.stack_id.slice(0, 8)}
                          </Anchor>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                    )}
                    <Table.Td>
                      <StatusBadge status={c.status} />
                    </Table.Td>
                    <Table.Td>{c.attempts}</Table.Td>
                    <Table.Td>{c.requested_by}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatTime(c.created_at)}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {total > PAGE && (
        <Pagination
          total={Math.ceil(total / PAGE)}
          value={page}
          onChange={(p) => {
            const next = new URLSearchParams(params);
            next.set('page', String(p));
            setParams(next, { replace: true });
          }}
        />
      )}
    </Stack>
  );
}
