// What the wizard would write: the rendered compose file (read-only), its variables (secret
// values never shown), and what the rules engine still objects to.
import { Suspense } from 'react';
import { Alert, Badge, Card, Stack, Table, Text, Title, useComputedColorScheme } from '@mantine/core';
import type { Resolution } from '../../api/wizard';
import { Loading } from '../../components/common';
import { YamlEditor } from '../../components/editor';

export function VariablesTable({ variables }: { variables: Resolution['variables'] }) {
  if (variables.length === 0) return <Text size="sm" c="dimmed">No variables.</Text>;
  return (
    <Table withTableBorder data-testid="wizard-variables">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Variable</Table.Th>
          <Table.Th>Value</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {variables.map((v) => (
          <Table.Tr key={v.name} data-testid="wizard-variable" data-secret={v.secret}>
            <Table.Td ff="monospace">{v.name}</Table.Td>
            <Table.Td ff="monospace">
              {v.secret ? <Badge variant="light" color="gray">secret, hidden</Badge> : (v.value ?? '')}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function ReviewPanel({ resolution }: { resolution: Resolution }) {
  const dark = useComputedColorScheme('light') === 'dark';
  return (
    <Stack>
      {resolution.violations.length > 0 && (
        <Alert color="red" title="The selection cannot be created yet" data-testid="review-violations">
          {resolution.violations.map((v, i) => (
            <Text size="sm" key={i}>
              {v.message} {v.fix}
            </Text>
          ))}
        </Alert>
      )}
      <Card withBorder>
        <Title order={4} mb="xs">
          Compose file
        </Title>
        <Suspense fallback={<Loading label="Loading the editor…" />}>
          <YamlEditor value={resolution.compose} readOnly label="Rendered compose file (read-only)" dark={dark} />
        </Suspense>
      </Card>
      <Card withBorder>
        <Title order={4} mb="xs">
          Variables
        </Title>
        <VariablesTable variables={resolution.variables} />
      </Card>
    </Stack>
  );
}
