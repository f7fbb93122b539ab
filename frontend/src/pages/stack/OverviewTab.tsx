// Services and their containers, live: state, health, uptime, restarts, ports, CPU and memory.
import { useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { Link } from 'react-router-dom';
import { applyVersion, runtimeAction, useEnqueue, type RuntimeVerb } from '../../api/actions';
import {
  useContainerStats,
  useQueue,
  useStackStatus,
  type ContainerStatus,
  type Stack as StackT,
  type StackStatus,
} from '../../api/queries';
import { EmptyState, Loading, QueryError, RoleButton, StatusBadge } from '../../components/common';
import { PlanDialog, type PlanTarget } from '../../components/PlanDialog';
import { Sparkline } from '../../components/Sparkline';
import { formatBytes, formatDuration, portUrl } from '../../lib/format';
import { DeploymentsCard } from './DeploymentsCard';

const HISTORY = 20;

function usePageVisible() {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return visible;
}

function StatsCell({ container, visible }: { container: ContainerStatus; visible: boolean }) {
  const running = container.state === 'running';
  const stats = useContainerStats(container.id, running && visible);
  const history = useRef<{ cpu: number[]; mem: number[] }>({ cpu: [], mem: [] });
  const [, redraw] = useState(0);
  useEffect(() => {
    if (!stats.data) return;
    const h = history.current;
    h.cpu = [...h.cpu, stats.data.cpu_percent].slice(-HISTORY);
    h.mem = [...h.mem, stats.data.memory_used_bytes].slice(-HISTORY);
    redraw((n) => n + 1);
  }, [stats.data, stats.dataUpdatedAt]);
  if (!running) return <Text size="xs" c="dimmed">—</Text>;
  if (!stats.data) return <Text size="xs" c="dimmed">sampling…</Text>;
  const d = stats.data;
  return (
    <Group gap="xs" wrap="nowrap">
      <Sparkline values={history.current.cpu} max={100} label={`CPU ${d.cpu_percent.toFixed(1)}%`} />
      <Text size="xs" w={44}>
        {d.cpu_percent.toFixed(1)}%
      </Text>
      <Sparkline values={history.current.mem} label={`Memory ${formatBytes(d.memory_used_bytes)}`} color="var(--mantine-color-teal-6)" />
      <Text size="xs" w={64}>
        {formatBytes(d.memory_used_bytes)}
      </Text>
    </Group>
  );
}

function DriftPanel({ status, stackName, stackId }: { status: StackStatus; stackName: string; stackId: string }) {
  // The drift list is the plan a re-apply runs, so one click enqueues it.
  const reapply = useEnqueue(
    (version: number, key) => applyVersion(stackName, version, false, key),
    (version) => `Re-apply ${stackName} v${version}`,
  );
  const drifted = status.drift.filter((d) => d.drifted);
  if (status.status !== 'DRIFTED' && drifted.length === 0) return null;
  return (
    <Alert color="grape" title="Drift: the host no longer matches the applied version" data-testid="drift-panel">
      <Stack gap="xs">
        <Text size="sm">Someone changed these outside Core Monitor:</Text>
        <Table withTableBorder data-testid="drift-items">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>What</Table.Th>
              <Table.Th>Difference</Table.Th>
              <Table.Th>Why it matters</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {status.drift.map((d, i) => (
              <Table.Tr key={i}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {d.target}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={d.drifted ? 'grape' : 'orange'} variant="light">
                    {d.difference.replace(/_/g, ' ')}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{d.reason}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group>
          <RoleButton
            need="operator"
            stackId={stackId}
            onClick={() => status.current_version && reapply.mutate(status.current_version)}
            loading={reapply.isPending}
            disabled={!status.current_version}
            color="grape"
            data-testid="reapply"
          >
            Re-apply v{status.current_version}
          </RoleButton>
        </Group>
      </Stack>
    </Alert>
  );
}

export function OverviewTab({ stack }: { stack: StackT }) {
  const status = useStackStatus(stack.name);
  const queue = useQueue();
  // No sampling while a command reshapes this stack: its containers come and go.
  const busy = queue.data?.running?.stack_id === stack.stack_id;
  // Cached status may name containers that are gone since: sample only once it is fresh.
  const visible = usePageVisible() && !busy && status.isFetchedAfterMount;
  const [plan, setPlan] = useState<PlanTarget | null>(null);
  const action = useEnqueue(
    (a: { verb: RuntimeVerb; service: string }, key) =>
      runtimeAction(stack.name, a.verb, key, a.service),
    (a) => `${a.verb[0]!.toUpperCase()}${a.verb.slice(1)} ${stack.name}/${a.service}`,
  );

  if (status.isPending) return <Loading />;
  if (status.isError) return <QueryError error={status.error} title="Live status unavailable" />;
  const s = status.data;

  if (stack.current_version === null && s.services.every((svc) => svc.containers.length === 0)) {
    return (
      <EmptyState
        title="Nothing runs yet"
        action={
          <Group>
            <RoleButton
              need="operator"
              stackId={stack.stack_id}
              onClick={() => setPlan({ stack: stack.name, version: stack.latest_version, rollback: false })}
              data-testid="apply-latest"
            >
              Apply v{stack.latest_version}
            </RoleButton>
            <Button component={Link} to={`/stacks/${stack.name}/versions`} variant="default">
              See versions
            </Button>
          </Group>
        }
      >
        This stack has versions but none is applied. Review the plan of the latest version and apply
        it to create its containers.
        <PlanDialog target={plan} onClose={() => setPlan(null)} />
      </EmptyState>
    );
  }

  return (
    <Stack>
      <DriftPanel status={s} stackId={stack.stack_id} stackName={stack.name} />
      <DeploymentsCard stack={stack} />
      {s.services.map((svc) => (
        <Card withBorder key={svc.name} data-testid={`service-${svc.name}`}>
          <Group justify="space-between" mb="xs">
            <Group gap="sm">
              <Title order={4}>{svc.name}</Title>
              <StatusBadge status={svc.status} testId={`service-status-${svc.name}`} />
              <Text size="sm" c="dimmed">
                {svc.running}/{svc.desired_replicas} running
              </Text>
            </Group>
            <Group gap="xs">
              {(['start', 'stop', 'restart'] as const).map((verb) => (
                <RoleButton
                  key={verb}
                  need="operator"
                  stackId={stack.stack_id}
                  size="xs"
                  variant="default"
                  onClick={() => action.mutate({ verb, service: svc.name })}
                  data-testid={`service-${verb}-${svc.name}`}
                  aria-label={`${verb} service ${svc.name}`}
                >
                  {verb[0]!.toUpperCase() + verb.slice(1)}
                </RoleButton>
              ))}
            </Group>
          </Group>
          <Table.ScrollContainer minWidth={760} type="native" tabIndex={0}>
            <Table verticalSpacing={6}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Container</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Health</Table.Th>
                  <Table.Th>Uptime</Table.Th>
                  <Table.Th>Restarts</Table.Th>
                  <Table.Th>Ports</Table.Th>
                  <Table.Th>CPU / memory</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {svc.containers.map((c) => (
                  <Table.Tr key={c.name} data-testid={`container-${c.name}`}>
                    <Table.Td>
                      <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                        {c.name}
                      </Text>
                      {c.version !== null && c.version !== undefined && (
                        <Text size="xs" c="dimmed">
                          from v{c.version}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={c.state} testId={`container-state-${c.name}`} />
                      {c.exit_code !== null && c.exit_code !== undefined && (
                        <Text size="xs" c="dimmed">
                          exit {c.exit_code}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {c.health ? (
                        <Tooltip label={c.health_output || 'no output'} multiline maw={400} withArrow>
                          <span tabIndex={0}>
                            <StatusBadge status={c.health} testId={`container-health-${c.name}`} />
                          </span>
                        </Tooltip>
                      ) : (
                        <Text size="xs" c="dimmed">
                          no check
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDuration(c.uptime_seconds)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{c.restart_count ?? 0}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {(c.ports ?? []).map((p, i) => {
                          const url = portUrl(p, window.location.hostname);
                          const text = `${p.host_port}→${p.container_port}/${p.protocol}`;
                          return url ? (
                            <Anchor key={i} href={url} target="_blank" rel="noreferrer" size="sm">
                              {text}
                            </Anchor>
                          ) : (
                            <Text key={i} size="sm">
                              {text}
                            </Text>
                          );
                        })}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <StatsCell container={c} visible={visible} />
                    </Table.Td>
                    <Table.Td>
                      {c.id && (
                        <Anchor component={Link} to={`/stacks/${stack.name}/logs/${c.name}`} size="sm">
                          Logs
                        </Anchor>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
                {svc.containers.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={8}>
                      <Text size="sm" c="dimmed">
                        No container: apply or start the stack to create them.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      ))}
      {s.services.length === 0 && (
        <EmptyState title="No services">The applied version defines no service.</EmptyState>
      )}
      <PlanDialog target={plan} onClose={() => setPlan(null)} />
    </Stack>
  );
}
