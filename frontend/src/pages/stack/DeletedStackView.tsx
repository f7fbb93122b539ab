// A deleted stack: read-only. Its versions stay in the history; any of them can be restored
// as a new live stack (the deleted one stays as it was, reachable by its id).
import { useState } from 'react';
import { Alert, Anchor, Breadcrumbs, Button, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { restoreStack } from '../../api/actions';
import { errorMessage } from '../../api/client';
import { keys, useVersions, type Stack as StackT } from '../../api/queries';
import { Loading, QueryError, RoleButton, StatusBadge } from '../../components/common';
import { formatTime } from '../../lib/format';

export function RestoreDialog({ stack, version, onClose }: { stack: StackT; version: number | null; onClose: () => void }) {
  const [name, setName] = useState(stack.name);
  const client = useQueryClient();
  const navigate = useNavigate();
  const restore = useMutation({
    mutationFn: () => restoreStack(stack.stack_id, version!, name.trim()),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: keys.stacks });
      navigate(`/stacks/${created.name}`);
    },
  });
  return (
    <Modal opened={version !== null} onClose={onClose} title={`Restore ${stack.name} from v${version ?? ''}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          restore.mutate();
        }}
      >
        <Stack>
          <Text size="sm">
            Creates a new stack (not yet applied) whose version 1 is this version's compose file and variables,
            secrets included. This deleted stack stays in the history as it is.
          </Text>
          <TextInput
            label="Name of the new stack"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={restore.isError ? errorMessage(restore.error) : undefined}
            data-testid="restore-name"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={restore.isPending} disabled={!name.trim()} data-testid="restore-submit">
              Restore
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function DeletedStackView({ stack }: { stack: StackT }) {
  const versions = useVersions(stack.stack_id);
  const [restoring, setRestoring] = useState<number | null>(null);
  return (
    <Stack data-testid="deleted-stack">
      <Breadcrumbs>
        <Anchor component={Link} to="/">
          Dashboard
        </Anchor>
        <Text>{stack.name}</Text>
      </Breadcrumbs>
      <Group gap="sm">
        <Title order={2}>{stack.name}</Title>
        <StatusBadge status={stack.status} testId="stack-status" />
      </Group>
      <Alert color="gray" title="This stack was deleted" data-testid="deleted-note">
        Read-only: its versions stay in the history (deleted {formatTime(stack.updated_at)}). Restore any of them
        as a new stack; a new stack may already have taken the name {stack.name}.
      </Alert>
      {versions.isPending && <Loading />}
      {versions.isError && <QueryError error={versions.error} />}
      {versions.data && (
        <Table data-testid="deleted-versions">
          <Table.Tbody>
            {versions.data.items.map((v) => (
              <Table.Tr key={v.version}>
                <Table.Td>v{v.version}</Table.Td>
                <Table.Td>
                  {v.author} · {formatTime(v.created_at)}
                  {v.comment ? ` · ${v.comment}` : ''}
                </Table.Td>
                <Table.Td>
                  <RoleButton need="operator" size="xs" onClick={() => setRestoring(v.version)} data-testid={`restore-${v.version}`}>
                    Restore…
                  </RoleButton>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <RestoreDialog stack={stack} version={restoring} onClose={() => setRestoring(null)} />
    </Stack>
  );
}
