// On a stack's page: each middleware service's current deployment, with a way to the
// Deployments page. Nothing at all for a stack without deploy targets.
import { Anchor, Card, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useDeployTargets } from '../../api/deployQueries';
import type { Stack as StackT } from '../../api/queries';
import { CurrentLine } from '../deploy/TargetCard';

export function DeploymentsCard({ stack }: { stack: StackT }) {
  const targets = useDeployTargets(stack.name);
  // A server without the deploy API, or a role that may not see it: no card, not an error.
  if (!targets.data || targets.data.length === 0) return null;
  return (
    <Card withBorder component="section" aria-labelledby="stack-deployments-title" data-testid="stack-deployments">
      <Group justify="space-between" mb="xs">
        <Title order={4} id="stack-deployments-title">
          Deployed applications
        </Title>
        <Anchor component={Link} to={`/deploy/${stack.name}`} size="sm">
          Deployments of {stack.name}
        </Anchor>
      </Group>
      <Stack gap={6}>
        {targets.data.map((t) => (
          <Group key={t.service} gap="sm" align="flex-start" data-testid={`stack-target-${t.service}`}>
            <Text size="sm" fw={700} miw={120}>
              {t.service} <Text span size="xs" c="dimmed">({t.kind})</Text>
            </Text>
            <Stack gap={2}>
              {t.current.length === 0 ? (
                <Text size="sm" c="dimmed">
                  nothing deployed
                </Text>
              ) : (
                t.current.map((d) => <CurrentLine key={d.deployment_id} d={d} />)
              )}
            </Stack>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}
