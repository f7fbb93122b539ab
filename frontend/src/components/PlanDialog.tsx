// The plan preview shown before APPLY / ROLLBACK: what the convergence would do now, with
// the reason of each step, then a confirmation that enqueues the command.
import { Alert, Badge, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useNavigate } from 'react-router-dom';
import { applyVersion, useEnqueue } from '../api/actions';
import { usePlan } from '../api/queries';
import { Loading, QueryError } from './common';

export interface PlanTarget {
  stack: string;
  version: number;
  rollback: boolean;
}

const KIND_COLORS: Record<string, string> = {
  create_container: 'green',
  recreate_container: 'orange',
  remove_container: 'red',
  start_container: 'teal',
  stop_container: 'gray',
  restart_container: 'yellow',
  create_network: 'blue',
  create_volume: 'blue',
  remove_network: 'red',
  remove_volume: 'red',
  pull_image: 'violet',
};

export function PlanDialog({ target, onClose }: { target: PlanTarget | null; onClose: () => void }) {
  const navigate = useNavigate();
  const plan = usePlan(target?.stack ?? '', target ? target.version : null);
  const verb = target?.rollback ? 'Roll back' : 'Apply';
  const enqueue = useEnqueue(
    (t: PlanTarget, key) => applyVersion(t.stack, t.version, t.rollback, key),
    (t) => `${t.rollback ? 'Rollback' : 'Apply'} ${t.stack} v${t.version}`,
  );
  const confirm = () => {
    if (!target) return;
    enqueue.mutate(target, {
      onSuccess: (accepted) => {
        onClose();
        navigate(`/commands/${accepted.command_id}`);
      },
    });
  };
  return (
    <Modal
      opened={target !== null}
      onClose={onClose}
      size="xl"
      title={target ? `${verb} ${target.stack} to version ${target.version}` : ''}
    >
      {plan.isPending && <Loading label="Planning…" />}
      {plan.isError && <QueryError error={plan.error} title="Could not plan" />}
      {plan.data && (
        <Stack data-testid="plan-preview">
          {plan.data.steps.length === 0 ? (
            <Alert color="green" title="Nothing to change">
              The host already matches version {plan.data.version}. Applying records it as the
              current version and changes no container.
            </Alert>
          ) : (
            <>
              <Text size="sm" c="dimmed">
                {plan.data.steps.length} step(s), in order. Steps in the same layer run in parallel.
              </Text>
              <Table.ScrollContainer minWidth={560} type="native" tabIndex={0}>
                <Table striped withTableBorder data-testid="plan-steps">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Layer</Table.Th>
                      <Table.Th>Step</Table.Th>
                      <Table.Th>Target</Table.Th>
                      <Table.Th>Why</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {plan.data.steps.map((step, i) => (
                      <Table.Tr key={i} data-testid="plan-step">
                        <Table.Td>{step.layer}</Table.Td>
                        <Table.Td>
                          <Badge color={KIND_COLORS[step.kind] ?? 'gray'} variant="light">
                            {step.kind.replace(/_/g, ' ')}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            {step.target}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm">{step.reason}</Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          )}
        </Stack>
      )}
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button
          onClick={confirm}
          loading={enqueue.isPending}
          disabled={!plan.data}
          color={target?.rollback ? 'orange' : undefined}
          data-testid="confirm-plan"
        >
          {verb} now
        </Button>
      </Group>
    </Modal>
  );
}
