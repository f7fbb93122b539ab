// A stack frozen by a rollback: said prominently (who, why, when) with the way out. While it
// is frozen, an APPLY of another version is refused unless forced (see the plan dialog).
import { Alert, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { unfreezeStack } from '../../api/actions';
import { keys, type Stack as StackT } from '../../api/queries';
import { RoleButton } from '../../components/common';
import { formatTime } from '../../lib/format';

export function FreezeBanner({ stack }: { stack: StackT }) {
  const client = useQueryClient();
  const unfreeze = useMutation({
    mutationFn: () => unfreezeStack(stack.name),
    onSuccess: () => {
      notifications.show({ title: 'Unfrozen', message: `${stack.name} accepts applies again`, color: 'blue' });
      void client.invalidateQueries({ queryKey: keys.stack(stack.name) });
      void client.invalidateQueries({ queryKey: keys.stacks });
    },
    onError: (error) => {
      notifications.show({ title: 'Unfreeze refused', message: errorMessage(error), color: 'red' });
    },
  });
  const frozen = stack.frozen;
  if (!frozen) return null;
  return (
    <Alert color="orange" variant="filled" title={`Frozen at v${frozen.version}`} data-testid="freeze-banner">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Text size="sm">
            Rolled back by {frozen.by} on {formatTime(frozen.at)}: {frozen.reason}
          </Text>
          <Text size="sm">An apply of another version is refused until the stack is unfrozen (or forced).</Text>
        </div>
        <RoleButton
          need="operator"
          stackId={stack.stack_id}
          color="dark"
          variant="white"
          size="xs"
          loading={unfreeze.isPending}
          onClick={() => unfreeze.mutate()}
          data-testid="unfreeze"
        >
          Unfreeze
        </RoleButton>
      </Group>
    </Alert>
  );
}
