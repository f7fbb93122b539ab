import { useState } from 'react';
import { Badge, Button, Card, Group, Modal, NativeSelect, PasswordInput, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { request } from '../../api/client';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { formatTime } from '../../lib/format';
import { adminKeys, useAdminWrite, useUsers, type User } from './adminApi';

const ROLES = ['viewer', 'operator', 'admin'];

function NewUserDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('viewer');
  const create = useAdminWrite(
    () => request<User>('POST', '/api/v1/users', { username, password, role }),
    adminKeys.users,
    'User created',
  );
  return (
    <Modal opened={opened} onClose={onClose} title="New user">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(undefined, {
            onSuccess: () => {
              setUsername('');
              setPassword('');
              onClose();
            },
          });
        }}
      >
        <Stack>
          <TextInput label="Username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
          <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <NativeSelect label="Role" data={ROLES} value={role} onChange={(e) => setRole(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function UsersTab() {
  const users = useUsers();
  const [creating, setCreating] = useState(false);
  const patch = useAdminWrite(
    (a: { username: string; body: Record<string, unknown> }) =>
      request<User>('PATCH', `/api/v1/users/${encodeURIComponent(a.username)}`, a.body),
    adminKeys.users,
    'User updated',
  );
  if (users.isPending) return <Loading />;
  if (users.isError) return <QueryError error={users.error} />;
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={() => setCreating(true)}>New user</Button>
      </Group>
      <Card withBorder p={0}>
        {users.data.items.length === 0 ? (
          <EmptyState title="No users">Create one with “New user”.</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={640} type="native" tabIndex={0}>
            <Table data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Stack roles</Table.Th>
                  <Table.Th>Source</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Enabled</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((u) => (
                  <Table.Tr key={u.username}>
                    <Table.Td>{u.username}</Table.Td>
                    <Table.Td>
                      <NativeSelect
                        aria-label={`Role of ${u.username}`}
                        data={[{ value: '', label: 'none' }, ...ROLES.map((r) => ({ value: r, label: r }))]}
                        value={u.role ?? ''}
                        onChange={(e) => patch.mutate({ username: u.username, body: { role: e.currentTarget.value || null } })}
                      />
                    </Table.Td>
                    <Table.Td>
                      {Object.entries(u.stack_roles).map(([s, r]) => (
                        <Badge key={s} variant="outline" mr={4}>
                          {s.slice(0, 8)}: {r}
                        </Badge>
                      ))}
                      {Object.keys(u.stack_roles).length === 0 && <Text size="sm" c="dimmed">—</Text>}
                    </Table.Td>
                    <Table.Td>{u.source}</Table.Td>
                    <Table.Td>{formatTime(u.created_at)}</Table.Td>
                    <Table.Td>
                      <Switch
                        aria-label={`${u.username} enabled`}
                        checked={u.enabled}
                        onChange={(e) => patch.mutate({ username: u.username, body: { enabled: e.currentTarget.checked } })}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <NewUserDialog opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}
