// Two versions side by side (merge view), plus the per-service structured changes.
import { Suspense } from 'react';
import { Anchor, Badge, Card, Group, NativeSelect, Stack, Table, Text, Title, useComputedColorScheme } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useDiff, useVersion, useVersions, type Stack as StackT } from '../../api/queries';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { YamlMerge } from '../../components/editor';
import { FileChanges } from '../../components/FileChanges';

function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export default function ComparePage({ stack }: { stack: StackT }) {
  const [params, setParams] = useSearchParams();
  const a = Number(params.get('a') ?? 0);
  const b = Number(params.get('b') ?? 0);
  const versions = useVersions(stack.name);
  const left = useVersion(stack.name, a || null);
  const right = useVersion(stack.name, b || null);
  const diff = useDiff(stack.name, a, b);
  const dark = useComputedColorScheme('light') === 'dark';
  const options = (versions.data?.items ?? []).map((v) => ({ value: String(v.version), label: `v${v.version}` }));
  const pick = (side: 'a' | 'b', value: string) => {
    const next = new URLSearchParams(params);
    next.set(side, value);
    setParams(next, { replace: true });
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={3}>Compare versions</Title>
        <Group>
          <NativeSelect label="From" data={[{ value: '0', label: '—' }, ...options]} value={String(a)} onChange={(e) => pick('a', e.currentTarget.value)} />
          <NativeSelect label="To" data={[{ value: '0', label: '—' }, ...options]} value={String(b)} onChange={(e) => pick('b', e.currentTarget.value)} />
        </Group>
      </Group>
      {(!a || !b) && (
        <EmptyState title="Pick two versions">
          Choose a version on each side, or pick A and B in the{' '}
          <Anchor component={Link} to={`/stacks/${stack.name}/versions`}>
            version list
          </Anchor>
          .
        </EmptyState>
      )}
      {(left.isError || right.isError) && <QueryError error={left.error ?? right.error} />}
      {left.data && right.data && (
        <>
          <Group grow>
            <Text fw={600} data-testid="compare-left">
              v{a} {left.data.comment ? `— ${left.data.comment}` : ''}
            </Text>
            <Text fw={600} data-testid="compare-right">
              v{b} {right.data.comment ? `— ${right.data.comment}` : ''}
            </Text>
          </Group>
          <Suspense fallback={<Loading label="Loading the comparison…" />}>
            <YamlMerge
              left={left.data.compose}
              right={right.data.compose}
              leftLabel={`Compose file of version ${a}`}
              rightLabel={`Compose file of version ${b}`}
              dark={dark}
            />
          </Suspense>
        </>
      )}
      {diff.data && (
        <Card withBorder data-testid="structured-diff">
          <Title order={4} mb="xs">
            What changes per service
          </Title>
          {diff.data.services.length + diff.data.networks.length + diff.data.volumes.length === 0 ? (
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
                {diff.data.services.flatMap((svc) =>
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
                {[...diff.data.networks, ...diff.data.volumes].map((f) => (
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
      )}
      {diff.data && <FileChanges files={diff.data.files} />}
      {diff.isError && <QueryError error={diff.error} />}
    </Stack>
  );
}
