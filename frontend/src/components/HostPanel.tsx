import { Alert, Card, SimpleGrid, Text, Title } from '@mantine/core';
import { useHost } from '../api/queries';
import { formatBytes } from '../lib/format';
import { QueryError } from './common';

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm">{value}</Text>
    </div>
  );
}

export function HostPanel() {
  const host = useHost();
  const h = host.data;
  return (
    <Card withBorder data-testid="host-panel">
      <Title order={4} mb="xs">
        Host
      </Title>
      {host.isError && <QueryError error={host.error} />}
      {h && !h.reachable && (
        <Alert color="red" title="Docker engine unreachable">
          {h.address}: {h.error}
        </Alert>
      )}
      {h?.reachable && (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 2 }} spacing="xs">
          <Fact label="Address" value={h.address} />
          <Fact label="Engine" value={`Docker ${h.version ?? '?'} (API ${h.api_version ?? '?'})`} />
          <Fact label="System" value={h.operating_system ?? h.os ?? '—'} />
          <Fact label="CPUs / memory" value={`${h.cpus ?? '?'} / ${formatBytes(h.memory_bytes)}`} />
          <Fact
            label="Containers"
            value={
              h.containers ? `${h.containers.running ?? 0} running of ${h.containers.total ?? 0}` : '—'
            }
          />
          <Fact label="Images" value={`${h.images ?? '—'} (${formatBytes(h.disk?.images_bytes)})`} />
          <Fact label="Volumes" value={formatBytes(h.disk?.volumes_bytes)} />
        </SimpleGrid>
      )}
    </Card>
  );
}
