// One deploy target (a service of the stack): what it serves now, per path, and its history of
// deployments, each earlier one redeployable (the rollback).
import { Alert, Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { shortSha, type Deployment, type DeployTarget } from '../../api/deploys';
import { useDeployments } from '../../api/deployQueries';
import { Loading, QueryError, RoleButton, StatusBadge } from '../../components/common';
import { formatTime, timeAgo } from '../../lib/format';

const HISTORY = 50;

/** One current deployment in a line: file, sha, who, when, health. */
export function CurrentLine({ d }: { d: Deployment }) {
  return (
    <Group gap="xs" wrap="wrap" data-testid={`current-${d.service}`} data-path={d.path}>
      <Text size="sm" ff="monospace">
        {d.path}
      </Text>
      <Text size="sm" fw={600} data-testid="current-artifact">
        {d.artifact_filename}
      </Text>
      <Text size="xs" c="dimmed" ff="monospace">
        {shortSha(d.artifact)}
      </Text>
      <Text size="xs" c="dimmed">
        by {d.requested_by} · {timeAgo(d.finished_at ?? d.requested_at)}
      </Text>
      {d.health && (
        <Badge variant="light" color="green" tt="none" title="The verification after the deploy">
          {d.health}
        </Badge>
      )}
    </Group>
  );
}

function HistoryRow({ d, stackId, onRedeploy }: { d: Deployment; stackId: string; onRedeploy: (d: Deployment) => void }) {
  const live = d.current || d.status === 'DEPLOYING';
  return (
    <Table.Tr data-testid="deployment-row" data-deployment={d.deployment_id} data-artifact={d.artifact_filename} data-status={d.status}>
      <Table.Td>
        <StatusBadge status={d.status} />
        {d.current && (
          <Badge ml={4} variant="light" color="blue" size="sm">
            current
          </Badge>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{d.artifact_filename}</Text>
        <Text size="xs" c="dimmed" ff="monospace">
          {shortSha(d.artifact)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {d.path}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{d.requested_by}</Text>
        <Text size="xs" c="dimmed">
          {formatTime(d.requested_at)}
        </Text>
      </Table.Td>
      <Table.Td maw={360}>
        {d.message && (
          <Text size="sm" c="red" data-testid="deployment-message">
            {d.message}
          </Text>
        )}
        {d.health && <Text size="xs">{d.health}</Text>}
        {d.comment && (
          <Text size="xs" c="dimmed" fs="italic">
            {d.comment}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {d.command_id && (
          <Anchor component={Link} to={`/commands/${d.command_id}`} size="sm">
            Command
          </Anchor>
        )}
      </Table.Td>
      <Table.Td>
        {!live && (
          <RoleButton
            need="operator"
            stackId={stackId}
            size="xs"
            variant="light"
            color="orange"
            onClick={() => onRedeploy(d)}
            aria-label={`Redeploy ${d.artifact_filename} to ${d.path}`}
            data-testid="redeploy"
          >
            Redeploy…
          </RoleButton>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

interface Props {
  stackName: string;
  stackId: string;
  target: DeployTarget;
  onRedeploy: (d: Deployment) => void;
}

export function TargetCard({ stackName, stackId, target, onRedeploy }: Props) {
  const history = useDeployments(stackName, { service: target.service, limit: HISTORY });
  const items = history.data?.items ?? [];
  return (
    <Card withBorder component="section" aria-label={`Deployments of ${target.service}`} data-testid={`target-${target.service}`}>
      <Stack gap="sm">
        <Group gap="sm">
          <Title order={4}>{target.service}</Title>
          <Badge variant="light">{target.kind}</Badge>
        </Group>
        {target.current.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid={`current-none-${target.service}`}>
            Nothing deployed yet.
          </Text>
        ) : (
          target.current.map((d) => <CurrentLine key={d.deployment_id} d={d} />)
        )}
        {history.isPending && <Loading label="Loading the history…" />}
        {history.isError && <QueryError error={history.error} title="History unavailable" />}
        {history.data && items.length > 0 && (
          <Table.ScrollContainer minWidth={800} type="native" tabIndex={0} aria-label={`History of ${target.service}`}>
            <Table verticalSpacing={6} data-testid={`history-${target.service}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Artifact</Table.Th>
                  <Table.Th>Path</Table.Th>
                  <Table.Th>Requested</Table.Th>
                  <Table.Th>Result</Table.Th>
                  <Table.Th />
                  <Table.Th>Rollback</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((d) => (
                  <HistoryRow key={d.deployment_id} d={d} stackId={stackId} onRedeploy={onRedeploy} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {history.data && history.data.total > items.length && (
          <Alert color="gray" variant="light">
            The {items.length} newest of {history.data.total} deployments.
          </Alert>
        )}
      </Stack>
    </Card>
  );
}
