// One version's YAML (read-only), its variables and metadata.
import { Suspense, useState } from 'react';
import { Anchor, Badge, Group, Stack, Table, Text, Title, useComputedColorScheme } from '@mantine/core';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useVersion, type Stack as StackT } from '../../api/queries';
import { Loading, QueryError, RoleButton } from '../../components/common';
import { YamlEditor } from '../../components/editor';
import { PlanDialog, type PlanTarget } from '../../components/PlanDialog';
import { formatTime } from '../../lib/format';

export default function VersionPage({ stack }: { stack: StackT }) {
  const params = useParams();
  const number = Number(params.version);
  const version = useVersion(stack.name, number);
  const navigate = useNavigate();
  const dark = useComputedColorScheme('light') === 'dark';
  const [plan, setPlan] = useState<PlanTarget | null>(null);

  if (version.isPending) return <Loading />;
  if (version.isError) return <QueryError error={version.error} />;
  const v = version.data;
  const rollback = stack.current_version !== null && v.version < stack.current_version;
  const variables = Object.entries(v.variables);
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Group gap="xs">
            <Title order={3}>Version {v.version}</Title>
            {stack.current_version === v.version && <Badge color="green">current</Badge>}
          </Group>
          <Text size="sm" c="dimmed">
            {v.author} · {formatTime(v.created_at)} · {v.parent_version ? `from v${v.parent_version}` : 'first version'}
            {v.comment ? ` · ${v.comment}` : ''}
          </Text>
        </div>
        <Group gap="xs">
          <Anchor component={Link} to={`/stacks/${stack.name}/versions`} size="sm">
            All versions
          </Anchor>
          <RoleButton
            need="operator"
            stackId={stack.stack_id}
            variant="default"
            onClick={() => navigate(`/stacks/${stack.name}/versions/${v.version}/edit`)}
          >
            Edit as new version
          </RoleButton>
          <RoleButton
            need="operator"
            stackId={stack.stack_id}
            color={rollback ? 'orange' : undefined}
            onClick={() => setPlan({ stack: stack.name, version: v.version, rollback })}
            data-testid={`${rollback ? 'rollback' : 'apply'}-${v.version}`}
          >
            {rollback ? 'Roll back…' : 'Apply…'}
          </RoleButton>
        </Group>
      </Group>
      <Suspense fallback={<Loading label="Loading the editor…" />}>
        <YamlEditor value={v.compose} readOnly dark={dark} label={`Compose file of version ${v.version}`} />
      </Suspense>
      {variables.length > 0 && (
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Variable</Table.Th>
              <Table.Th>Value</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {variables.map(([k, val]) => (
              <Table.Tr key={k}>
                <Table.Td ff="monospace">{k}</Table.Td>
                <Table.Td ff="monospace">{val.secret ? '*** (secret)' : val.value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <PlanDialog target={plan} onClose={() => setPlan(null)} />
    </Stack>
  );
}
