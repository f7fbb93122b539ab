// "Show deleted": the deleted stacks one may see, each linked by id (a new stack may have
// taken its name), where its history stays readable and it can be restored.
import { useState } from 'react';
import { Anchor, Stack, Switch, Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useDeletedStacks } from '../api/queries';
import { formatTime } from '../lib/format';
import { Loading, QueryError } from './common';

export function DeletedStacks() {
  const [shown, setShown] = useState(false);
  const deleted = useDeletedStacks(shown);
  const items = deleted.data?.items ?? [];
  return (
    <Stack gap="xs" p="sm">
      <Switch
        label="Show deleted stacks"
        checked={shown}
        onChange={(e) => setShown(e.currentTarget.checked)}
        data-testid="show-deleted"
      />
      {shown && deleted.isPending && <Loading />}
      {shown && deleted.isError && <QueryError error={deleted.error} />}
      {shown && deleted.data && items.length === 0 && (
        <Text size="sm" c="dimmed">
          No deleted stacks.
        </Text>
      )}
      {shown && items.length > 0 && (
        <Table data-testid="deleted-stacks">
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.stack_id} data-testid={`deleted-row-${s.name}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/stacks/${s.stack_id}`}>
                    {s.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>v{s.latest_version} latest</Table.Td>
                <Table.Td>deleted {formatTime(s.updated_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
