// What changes per service between two versions (the structured diff of the diff endpoint);
// the compare page and the wizard's re-render both show it.
import { Badge, Card, Table, Text, Title } from '@mantine/core';
import type { VersionDiff } from '../api/queries';

type DiffShape = Pick<VersionDiff, 'services' | 'networks' | 'volumes'>;

function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function StructuredDiff({ diff, a, b }: { diff: DiffShape; a: number; b: number }) {
  return (
    <Card withBorder data-testid="structured-diff">
      <Title order={4} mb="xs">
        What changes per service
      </Title>
      {diff.services.length + diff.networks.length + diff.volumes.length === 0 ? (
        <Text size="sm" c="dimmed">
          No change in the normalized definitions (only formatting or comments differ).
        </Text>
      ) : (
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Where</Table.Th>
              <Table.Th>Field</Table.Th>
              <Table.Th>v{a}</Table.Th>
              <Table.Th>v{b}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {diff.services.flatMap((svc) =>
              svc.fields.length === 0
                ? [
                    <Table.Tr key={svc.service}>
                      <Table.Td>{svc.service}</Table.Td>
                      <Table.Td colSpan={3}>
                        <Badge color={svc.change === 'added' ? 'green' : 'red'}>{svc.change}</Badge>
                      </Table.Td>
                    </Table.Tr>,
                  ]
                : svc.fields.map((f) => (
                    <Table.Tr key={`${svc.service}.${f.path}`}>
                      <Table.Td>{svc.service}</Table.Td>
                      <Table.Td ff="monospace">{f.path}</Table.Td>
                      <Table.Td ff="monospace">{show(f.before)}</Table.Td>
                      <Table.Td ff="monospace">{show(f.after)}</Table.Td>
                    </Table.Tr>
                  )),
            )}
            {[...diff.networks, ...diff.volumes].map((f) => (
              <Table.Tr key={f.path}>
                <Table.Td>top level</Table.Td>
                <Table.Td ff="monospace">{f.path}</Table.Td>
                <Table.Td ff="monospace">{show(f.before)}</Table.Td>
                <Table.Td ff="monospace">{show(f.after)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
