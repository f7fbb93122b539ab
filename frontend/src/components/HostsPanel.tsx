// Every Docker host at a glance: reachable or why not, and how many of its stacks are in
// each status (GET /status/hosts).
import { Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useHostsStatus, type HostStatus } from '../api/queries';
import { QueryError, StatusBadge } from './common';

function HostRow({ host }: { host: HostStatus }) {
  const counts = Object.entries(host.stacks).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Stack gap={2} data-testid={`host-row-${host.host_id}`}>
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" fw={500}>
          {host.name}
        </Text>
        <Badge size="sm" variant="light" color={host.reachable ? 'green' : 'red'}>
          {host.reachable ? 'reachable' : 'unreachable'}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed">
        {host.address}
        {host.facts?.cpus ? ` — ${host.facts.cpus} CPUs` : ''}
      </Text>
      {!host.reachable && host.reason && (
        <Text size="xs" c="red" data-testid={`host-reason-${host.host_id}`}>
          {host.reason}
        </Text>
      )}
      {counts.length > 0 && (
        <Group gap={4}>
          {counts.map(([status, n]) => (
            <Group key={status} gap={2} wrap="nowrap">
              <Text size="xs">{n}</Text>
              <StatusBadge status={status} />
            </Group>
          ))}
        </Group>
      )}
    </Stack>
  );
}

export function HostsPanel() {
  const hosts = useHostsStatus();
  return (
    <Card withBorder data-testid="hosts-panel">
      <Title order={4} mb="xs">
        Docker hosts
      </Title>
      {hosts.isError && <QueryError error={hosts.error} />}
      <Stack gap="sm">
        {(hosts.data ?? []).map((h) => (
          <HostRow key={h.host_id} host={h} />
        ))}
      </Stack>
    </Card>
  );
}
