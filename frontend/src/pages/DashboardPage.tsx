// Every stack with its live status, versions, containers and their health, its last change
// (and who made it) and last command; the queue; every Docker host, and the default one's facts.
import { useMemo } from 'react';
import { Anchor, Badge, Button, Card, Grid, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useAllStatus, useCommands, useStacks, type Command, type Stack as StackT, type StackSummary } from '../api/queries';
import { useAuth } from '../api/auth';
import { EmptyState, Loading, QueryError, StatusBadge } from '../components/common';
import { HostPanel } from '../components/HostPanel';
import { HostsPanel } from '../components/HostsPanel';
import { QueuePanel } from '../components/QueuePanel';
import { DeletedStacks } from '../components/DeletedStacks';
import { timeAgo } from '../lib/format';

/** The newest of a stack's latest version and its last command: what changed, who, when. */
export function lastChange(stack: StackT, command: Command | undefined): { what: string; who: string; at: string } | null {
  const saved = stack.latest_version_at
    ? { what: `v${stack.latest_version} saved`, who: stack.latest_version_author ?? '?', at: stack.latest_version_at }
    : null;
  const ran = command ? { what: command.type, who: command.requested_by, at: command.created_at } : null;
  if (!saved || !ran) return saved ?? ran;
  return new Date(ran.at).getTime() >= new Date(saved.at).getTime() ? ran : saved;
}

function HealthCounts({ live, name }: { live: StackSummary; name: string }) {
  const counts = [
    { n: live.healthy ?? 0, label: 'healthy', color: 'green' },
    { n: live.unhealthy ?? 0, label: 'unhealthy', color: 'red' },
    { n: live.starting ?? 0, label: 'starting', color: 'yellow' },
  ].filter((c) => c.n > 0);
  return (
    <Group gap={4} wrap="nowrap" data-testid={`stack-health-${name}`}>
      <Text size="sm" data-testid={`stack-containers-${name}`}>
        {live.running}/{live.containers} running
      </Text>
      {counts.map((c) => (
        <Badge key={c.label} size="xs" variant="light" color={c.color}>
          {c.n} {c.label}
        </Badge>
      ))}
    </Group>
  );
}

export function DashboardPage() {
  const stacks = useStacks();
  const status = useAllStatus();
  const commands = useCommands({ limit: 200 });
  const { can } = useAuth();

  const statusById = useMemo(
    () => new Map((status.data ?? []).map((s) => [s.stack_id, s])),
    [status.data],
  );
  const lastCommand = useMemo(() => {
    const map = new Map<string, Command>();
    for (const c of commands.data?.items ?? []) if (c.stack_id && !map.has(c.stack_id)) map.set(c.stack_id, c);
    return map;
  }, [commands.data]);

  const items = stacks.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Stacks</Title>
        {can('operator') && (
          <Button component={Link} to="/stacks/new" data-testid="new-stack">
            New stack
          </Button>
        )}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Card withBorder p={0}>
            {stacks.isPending && <Loading />}
            {stacks.isError && <QueryError error={stacks.error} />}
            {status.isError && <QueryError error={status.error} title="Live status unavailable" />}
            {stacks.data && items.length === 0 && (
              <EmptyState
                title="No stacks yet"
                action={
                  can('operator') ? (
                    <Button component={Link} to="/stacks/new">
                      Create your first stack
                    </Button>
                  ) : undefined
                }
              >
                A stack is a compose file kept as immutable versions. Create one by pasting YAML,
                then apply it to run its containers.
                {!can('operator') && ' Ask an operator to create one: your role can only look.'}
              </EmptyState>
            )}
            {items.length > 0 && (
              <Table.ScrollContainer minWidth={640} type="native" tabIndex={0}>
                <Table highlightOnHover verticalSpacing="sm" data-testid="stacks-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Stack</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th title="current / desired version">Current / desired</Table.Th>
                      <Table.Th>Containers</Table.Th>
                      <Table.Th>Last change</Table.Th>
                      <Table.Th>Last command</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((s) => {
                      const live = statusById.get(s.stack_id);
                      const last = lastCommand.get(s.stack_id);
                      const change = lastChange(s, last);
                      return (
                        <Table.Tr key={s.stack_id} data-testid={`stack-row-${s.name}`}>
                          <Table.Td>
                            <Anchor component={Link} to={`/stacks/${s.name}`} fw={500}>
                              {s.name}
                            </Anchor>
                            <Text size="xs" c="dimmed" data-testid={`stack-host-${s.name}`}>
                              on {s.host_id}
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            <StatusBadge status={live?.status ?? s.status} testId={`stack-status-${s.name}`} />
                            {live?.reason && (
                              <Text size="xs" c="red" maw={260} data-testid={`stack-reason-${s.name}`}>
                                {live.reason}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>
                            <Text size="sm">
                              {s.current_version ? `v${s.current_version}` : 'none'} /{' '}
                              {s.desired_version ? `v${s.desired_version}` : '—'}
                              <Text span c="dimmed" size="xs">
                                {' '}
                                (latest v{s.latest_version})
                              </Text>
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            {live ? (
                              <HealthCounts live={live} name={s.name} />
                            ) : (
                              <Text size="sm" data-testid={`stack-containers-${s.name}`}>
                                —
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td data-testid={`stack-change-${s.name}`}>
                            {change ? (
                              <Text size="sm">
                                {change.what} by {change.who}
                                <Text span size="xs" c="dimmed">
                                  {' '}
                                  {timeAgo(change.at)}
                                </Text>
                              </Text>
                            ) : (
                              <Text size="sm" c="dimmed">
                                —
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>
                            {last ? (
                              <Group gap={6} wrap="nowrap">
                                <Anchor component={Link} to={`/commands/${last.command_id}`} size="sm">
                                  {last.type}
                                </Anchor>
                                <StatusBadge status={last.status} />
                                <Text size="xs" c="dimmed">
                                  {timeAgo(last.finished_at ?? last.created_at)}
                                </Text>
                              </Group>
                            ) : (
                              <Text size="sm" c="dimmed">
                                none
                              </Text>
                            )}
                          </Table.Td>
                        </Table.Tr>
                      );
                    })}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            <DeletedStacks />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack>
            <QueuePanel />
            <HostsPanel />
            <HostPanel />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
