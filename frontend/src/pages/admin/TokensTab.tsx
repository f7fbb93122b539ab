import { useState } from 'react';
import { Alert, Badge, Button, Card, Code, CopyButton, Group, Modal, NativeSelect, NumberInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { request } from '../../api/client';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { formatTime } from '../../lib/format';
import { adminKeys, useAdminWrite, useTokens, type ApiTokenCreated } from './adminApi';

function NewTokenDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [stacks, setStacks] = useState('');
  const [days, setDays] = useState<number | string>(90);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAdminWrite(
    () =>
      request<ApiTokenCreated>('POST', '/api/v1/tokens', {
        name,
        role,
        ...(stacks.trim() ? { stacks: stacks.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        expires_in_days: days === '' ? null : Number(days),
      }),
    adminKeys.tokens,
    'Token created',
  );
  const close = () => {
    setSecret(null);
    setName('');
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="New API token">
      {secret ? (
        <Stack>
          <Alert color="yellow" title="Copy it now">
            This is the only time the token is shown. Store it in your secret manager.
          </Alert>
          <Code block data-testid="token-secret">
            {secret}
          </Code>
          <Group justify="flex-end">
            <CopyButton value={secret}>{({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            <Button variant="default" onClick={close}>
              Done
            </Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(undefined, { onSuccess: (t) => setSecret(t.token) });
          }}
        >
          <Stack>
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <NativeSelect label="Role" data={['viewer', 'operator', 'admin']} value={role} onChange={(e) => setRole(e.currentTarget.value)} />
            <TextInput label="Stacks" description="Comma-separated stack names; empty: every stack" value={stacks} onChange={(e) => setStacks(e.currentTarget.value)} />
            <NumberInput label="Expires in (days)" description="Empty: never" min={1} value={days} onChange={setDays} />
            <Group justify="flex-end">
              <Button type="submit" loading={create.isPending}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

export function TokensTab() {
  const tokens = useTokens();
  const [creating, setCreating] = useState(false);
  const revoke = useAdminWrite((id: string) => request('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`), adminKeys.tokens, 'Token revoked');
  if (tokens.isPending) return <Loading />;
  if (tokens.isError) return <QueryError error={tokens.error} />;
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={() => setCreating(true)}>New token</Button>
      </Group>
      <Card withBorder p={0}>
        {tokens.data.items.length === 0 ? (
          <EmptyState title="No API tokens">Create a token for scripts and CI: it acts with the role you give it.</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={720} type="native" tabIndex={0}>
            <Table data-testid="tokens-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Prefix</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Stacks</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tokens.data.items.map((t) => (
                  <Table.Tr key={t.token_id}>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td ff="monospace">{t.prefix}…</Table.Td>
                    <Table.Td>{t.owner}</Table.Td>
                    <Table.Td>{t.role}</Table.Td>
                    <Table.Td>{t.stacks?.length ? t.stacks.join(', ') : 'all'}</Table.Td>
                    <Table.Td>{t.expires_at ? formatTime(t.expires_at) : 'never'}</Table.Td>
                    <Table.Td>{formatTime(t.last_used_at)}</Table.Td>
                    <Table.Td>
                      {t.revoked ? (
                        <Badge color="gray">revoked</Badge>
                      ) : (
                        <Button size="xs" color="red" variant="light" onClick={() => revoke.mutate(t.token_id)}>
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Text size="xs" c="dimmed">
        A revoked token stops working at once.
      </Text>
      <NewTokenDialog opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}
