// Deleting a stack needs its name typed back, and says whether named volumes go too.
import { useState } from 'react';
import { Button, Checkbox, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useNavigate } from 'react-router-dom';
import { deleteStack, useEnqueue } from '../../api/actions';
import type { Stack as StackT } from '../../api/queries';
import { markGone } from '../../lib/goneStacks';

export function DeleteDialog({ stack, opened, onClose }: { stack: StackT; opened: boolean; onClose: () => void }) {
  const [typed, setTyped] = useState('');
  const [removeVolumes, setRemoveVolumes] = useState(false);
  const navigate = useNavigate();
  const del = useEnqueue(
    (a: { volumes: boolean }, key) => deleteStack(stack.name, a.volumes, key),
    () => `Delete ${stack.name}`,
  );
  return (
    <Modal opened={opened} onClose={onClose} title={`Delete ${stack.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          del.mutate(
            { volumes: removeVolumes },
            {
              onSuccess: (accepted) => {
                // Stop asking about the stack now: once deleted it answers 404.
                markGone(stack.name);
                onClose();
                navigate(`/commands/${accepted.command_id}`);
              },
            },
          );
        }}
      >
        <Stack>
          <Text size="sm">
            This removes the stack's containers and networks. Its versions stay in the history: find it under “Show deleted stacks” to read them or restore one.
          </Text>
          <Checkbox
            label="Also remove its named volumes (their data is lost)"
            checked={removeVolumes}
            onChange={(e) => setRemoveVolumes(e.currentTarget.checked)}
            data-testid="delete-volumes"
          />
          <TextInput
            label={`Type ${stack.name} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            data-testid="delete-confirm-name"
            autoComplete="off"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="red" disabled={typed !== stack.name} loading={del.isPending} data-testid="delete-submit">
              Delete stack
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
