import { useState } from 'react';
import { Button, Card, Group, NativeSelect, Stack, Switch, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { request } from '../../api/client';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { formatTime } from '../../lib/format';
import { adminKeys, useAdminWrite, useExceptions, usePolicy, type Policy } from './adminApi';

const lines = (list: string[] | undefined) => (list ?? []).join('\n');
const unlines = (text: string) => text.split('\n').map((s) => s.trim()).filter(Boolean);

type ListKey = 'allowed_bind_roots' | 'sensitive_paths';
const LISTS: [ListKey, string][] = [
  ['allowed_bind_roots', 'Allowed bind-mount roots'],
  ['sensitive_paths', 'Sensitive paths'],
];

function PolicyEditor({ policy }: { policy: Policy }) {
  const [rules, setRules] = useState(policy.rules ?? {});
  // The lists are edited as text (one item a line) and parsed on save, so that a new empty
  // line can be typed.
  const [texts, setTexts] = useState<Record<ListKey, string>>({
    allowed_bind_roots: lines(policy.allowed_bind_roots),
    sensitive_paths: lines(policy.sensitive_paths),
  });
  const save = useAdminWrite((p: Policy) => request<Policy>('PUT', '/api/v1/policy', p), adminKeys.policy, 'Policy saved');
  const draft = (): Policy => ({
    rules,
    allowed_bind_roots: unlines(texts.allowed_bind_roots),
    sensitive_paths: unlines(texts.sensitive_paths),
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>Rules</Title>
        {Object.entries(rules).map(([id, rule]) => (
          <Switch
            key={id}
            label={id}
            description={rule.description}
            checked={rule.enabled}
            onChange={(e) => setRules({ ...rules, [id]: { ...rule, enabled: e.currentTarget.checked } })}
          />
        ))}
        {LISTS.map(([key, label]) => (
          <Textarea
            key={key}
            label={label}
            description="One per line"
            autosize
            minRows={2}
            value={texts[key]}
            onChange={(e) => setTexts({ ...texts, [key]: e.currentTarget.value })}
          />
        ))}
        <Group justify="flex-end">
          <Button onClick={() => save.mutate(draft())} loading={save.isPending}>
            Save policy
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function Exceptions({ ruleIds }: { ruleIds: string[] }) {
  const exceptions = useExceptions();
  const [stack, setStack] = useState('');
  const [rule, setRule] = useState('');
  const [reason, setReason] = useState('');
  const grant = useAdminWrite(() => request('POST', '/api/v1/policy/exceptions', { stack, rule, reason }), adminKeys.exceptions, 'Exception granted');
  const revoke = useAdminWrite((id: string | number) => request('DELETE', `/api/v1/policy/exceptions/${id}`), adminKeys.exceptions, 'Exception removed');
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>Exceptions</Title>
        {exceptions.isPending && <Loading />}
        {exceptions.isError && <QueryError error={exceptions.error} />}
        {exceptions.data && exceptions.data.length === 0 && (
          <Text size="sm" c="dimmed">
            No exception: every stack follows every enabled rule.
          </Text>
        )}
        {exceptions.data && exceptions.data.length > 0 && (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Stack</Table.Th>
                <Table.Th>Rule</Table.Th>
                <Table.Th>Reason</Table.Th>
                <Table.Th>Granted</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {exceptions.data.map((x) => (
                <Table.Tr key={x.id}>
                  <Table.Td>{x.stack}</Table.Td>
                  <Table.Td>{x.rule}</Table.Td>
                  <Table.Td>{x.reason}</Table.Td>
                  <Table.Td>
                    {x.granted_by}, {formatTime(x.created_at)}
                  </Table.Td>
                  <Table.Td>
                    <Button size="xs" color="red" variant="light" onClick={() => revoke.mutate(x.id)}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            grant.mutate(undefined, { onSuccess: () => setReason('') });
          }}
        >
          <Group align="flex-end">
            <TextInput label="Stack" required value={stack} onChange={(e) => setStack(e.currentTarget.value)} />
            <NativeSelect
              label="Rule"
              required
              data={[{ value: '', label: 'choose…' }, ...ruleIds.map((r) => ({ value: r, label: r }))]}
              value={rule}
              onChange={(e) => setRule(e.currentTarget.value)}
            />
            <TextInput label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
            <Button type="submit" loading={grant.isPending}>
              Grant exception
            </Button>
          </Group>
        </form>
      </Stack>
    </Card>
  );
}

export function PolicyTab() {
  const policy = usePolicy();
  if (policy.isPending) return <Loading />;
  if (policy.isError) return <QueryError error={policy.error} />;
  if (!policy.data) return <EmptyState title="No policy">The server has no policy.</EmptyState>;
  return (
    <Stack>
      <PolicyEditor policy={policy.data} />
      <Exceptions ruleIds={Object.keys(policy.data.rules ?? {})} />
    </Stack>
  );
}
