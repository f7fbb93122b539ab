// The plan preview shown before APPLY / ROLLBACK: what the convergence would do now, grouped
// by dependency layer in the order it runs, with the reason of each step, then a
// confirmation that enqueues the command.
import { Fragment, useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { useNavigate } from 'react-router-dom';
import { applyVersion, useEnqueue, type ApplyOptions } from '../api/actions';
import { type Plan, usePlan, useStack } from '../api/queries';
import { Loading, QueryError } from './common';

export interface PlanTarget {
  stack: string;
  version: number;
  rollback: boolean;
}

type PlanStep = Plan['steps'][number];

const KIND_COLORS: Record<PlanStep['kind'], string> = {
  create_container: 'green',
  recreate_container: 'orange',
  remove_container: 'red',
  start_container: 'teal',
  restart_container: 'yellow',
  create_network: 'blue',
  create_volume: 'blue',
  write_project_files: 'cyan',
  pull_image: 'violet',
  build_image: 'grape',
  wait: 'gray',
};

export interface StepGroup {
  layer: number | null; // null: images, networks, volumes and removals, before any layer
  steps: PlanStep[];
}

/** The plan's steps (already in run order) cut into runs of one layer. */
export function byLayer(steps: PlanStep[]): StepGroup[] {
  const groups: StepGroup[] = [];
  for (const step of steps) {
    const layer = 'layer' in step ? (step.layer ?? null) : null;
    const last = groups[groups.length - 1];
    if (last && last.layer === layer) last.steps.push(step);
    else groups.push({ layer, steps: [step] });
  }
  return groups;
}

function stepLabel(step: PlanStep): string {
  if (step.kind === 'wait') {
    const condition = step.condition.replace(/^service_/, '').replace(/_/g, ' ');
    // required: false (every dependent's): a failed condition only warns
    return `wait until ${condition}${step.required === false ? ' (optional)' : ''}`;
  }
  return step.kind.replace(/_/g, ' ');
}

export function PlanDialog({ target, onClose }: { target: PlanTarget | null; onClose: () => void }) {
  const navigate = useNavigate();
  const plan = usePlan(target?.stack ?? '', target ? target.version : null);
  const stack = useStack(target?.stack ?? '');
  const [force, setForce] = useState(false);
  const [atomic, setAtomic] = useState(false);
  const verb = target?.rollback ? 'Roll back' : 'Apply';
  const frozen = stack.data?.frozen;
  // a rollback is always let through; an apply of another version than the frozen one is not
  const blocked = !!frozen && !!target && !target.rollback && target.version !== frozen.version;
  const enqueue = useEnqueue(
    (t: PlanTarget & { options: ApplyOptions }, key) => applyVersion(t.stack, t.version, t.rollback, key, t.options),
    (t) => `${t.rollback ? 'Rollback' : 'Apply'} ${t.stack} v${t.version}`,
  );
  const confirm = () => {
    if (!target) return;
    enqueue.mutate({ ...target, options: { force: blocked && force, atomic } }, {
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
      {blocked && frozen && (
        <Alert color="orange" title={`${target?.stack} is frozen at v${frozen.version}`} mb="sm" data-testid="frozen-warning">
          <Text size="sm">
            {frozen.by} rolled it back: {frozen.reason}. Applying v{target?.version} undoes that rollback.
          </Text>
          <Checkbox
            mt="xs"
            label="Force: apply although the stack is frozen (recorded in the audit trail)"
            checked={force}
            onChange={(e) => setForce(e.currentTarget.checked)}
            data-testid="force-apply"
          />
        </Alert>
      )}
      {plan.isPending && <Loading label="Planning…" />}
      {plan.isError && <QueryError error={plan.error} title="Could not plan" />}
      {plan.data && (
        <Stack data-testid="plan-preview">
          {plan.data.warnings.length > 0 && (
            <Alert color="yellow" title="Accepted, but not applied as written" data-testid="plan-warnings">
              {plan.data.warnings.map((w, i) => (
                <Text size="sm" key={i}>
                  <Text span ff="monospace" size="sm">
                    {w.path}
                  </Text>
                  : {w.message}
                </Text>
              ))}
            </Alert>
          )}
          {plan.data.steps.length === 0 ? (
            <Alert color="green" title="Nothing to change">
              The host already matches version {plan.data.version}. Applying records it as the
              current version and changes no container.
            </Alert>
          ) : (
            <>
              <Text size="sm" c="dimmed">
                {plan.data.steps.length} step(s), in the order they run. Steps of one layer run in parallel.
              </Text>
              <Table.ScrollContainer minWidth={560} type="native" tabIndex={0}>
                <Table striped withTableBorder data-testid="plan-steps">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Step</Table.Th>
                      <Table.Th>Target</Table.Th>
                      <Table.Th>Why</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {byLayer(plan.data.steps).map((group, g) => (
                      <Fragment key={g}>
                        <Table.Tr data-testid="plan-layer">
                          <Table.Th colSpan={3}>
                            {group.layer === null ? 'Images, networks, volumes, removals' : `Layer ${group.layer}`}
                          </Table.Th>
                        </Table.Tr>
                        {group.steps.map((step, i) => (
                          <Table.Tr key={i} data-testid="plan-step" data-cause={step.cause}>
                            <Table.Td>
                              <Badge color={KIND_COLORS[step.kind] ?? 'gray'} variant="light">
                                {stepLabel(step)}
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
                      </Fragment>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          )}
        </Stack>
      )}
      <Group justify="flex-end" mt="md">
        {target && !target.rollback && (
          <Checkbox
            mr="auto"
            label="Atomic: revert to the current version unless every service becomes healthy"
            checked={atomic}
            onChange={(e) => setAtomic(e.currentTarget.checked)}
            data-testid="atomic-apply"
          />
        )}
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button
          onClick={confirm}
          loading={enqueue.isPending}
          disabled={!plan.data || (blocked && !force)}
          color={target?.rollback ? 'orange' : undefined}
          data-testid="confirm-plan"
        >
          {verb} now
        </Button>
      </Group>
    </Modal>
  );
}
