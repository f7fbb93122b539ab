import { useState } from 'react';
import { Button, Card, Code, Group, NativeSelect, Pagination, Stack, Table, TextInput } from '@mantine/core';
import { EmptyState, Loading, QueryError, StatusBadge } from '../../components/common';
import { formatTime } from '../../lib/format';
import { useAudit } from './adminApi';

const PAGE = 50;

export function AuditTab() {
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState('');
  const [applied, setApplied] = useState({ actor: '', action: '', outcome: '' });
  const [page, setPage] = useState(1);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String((page - 1) * PAGE) });
  for (const [k, v] of Object.entries(applied)) if (v) query.set(k, v);
  const audit = useAudit(query.toString());
  return (
    <Stack>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setApplied({ actor, action, outcome });
        }}
      >
        <Group align="flex-end">
          <TextInput label="Actor" value={actor} onChange={(e) => setActor(e.currentTarget.value)} />
          <TextInput label="Action" placeholder="e.g. stack.create" value={action} onChange={(e) => setAction(e.currentTarget.value)} />
          <NativeSelect label="Outcome" data={[{ value: '', label: 'any' }, 'success', 'denied', 'failure']} value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} />
          <Button type="submit">Filter</Button>
        </Group>
      </form>
      <Card withBorder p={0}>
        {audit.isPending && <Loading />}
        {audit.isError && <QueryError error={audit.error} />}
        {audit.data && audit.data.items.length === 0 && <EmptyState title="No entry">Nothing matches; clear the filters.</EmptyState>}
        {audit.data && audit.data.items.length > 0 && (
          <Table.ScrollContainer minWidth={720} type="native" tabIndex={0}>
            <Table data-testid="audit-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {audit.data.items.map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Td>{formatTime(a.time)}</Table.Td>
                    <Table.Td>
                      {a.actor}
                      {a.source ? ` (${a.source})` : ''}
                    </Table.Td>
                    <Table.Td>{a.action}</Table.Td>
                    <Table.Td>{a.target ?? '—'}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={a.outcome} />
                    </Table.Td>
                    <Table.Td>
                      <Code>{a.details ? JSON.stringify(a.details) : ''}</Code>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {audit.data && audit.data.total > PAGE && <Pagination total={Math.ceil(audit.data.total / PAGE)} value={page} onChange={setPage} />}
    </Stack>
  );
}
