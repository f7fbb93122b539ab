// The rules engine's verdict in words: the resolved components (with why each automatic
// addition was made), conflicts and other violations with how to fix them, and suggestions.
import { Alert, Badge, Card, Group, List, Stack, Text, Title } from '@mantine/core';
import type { Resolution } from '../../api/wizard';

export function RuleFeedback({ resolution, pending }: { resolution: Resolution | undefined; pending: boolean }) {
  if (!resolution) {
    return (
      <Text size="sm" c="dimmed">
        {pending ? 'Checking the selection…' : 'Pick components: what they need is added and explained here.'}
      </Text>
    );
  }
  return (
    <Stack gap="sm" aria-live="polite" data-testid="rule-feedback">
      <Card withBorder padding="sm">
        <Title order={4} mb="xs">
          Your stack
        </Title>
        <List spacing={4} data-testid="resolved-components">
          {resolution.components.map((c) => (
            <List.Item key={c.component} data-testid="resolved-component" data-component={c.component}>
              <Group gap="xs">
                <Text fw={600}>{c.component}</Text>
                <Text size="sm" c="dimmed">
                  {c.version}
                </Text>
                {c.added_because && (
                  <Badge variant="light" color="blue">
                    added
                  </Badge>
                )}
              </Group>
              {c.added_because && (
                <Text size="sm" c="dimmed" data-testid="added-because">
                  {c.added_because}
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      </Card>
      {resolution.violations.map((v, i) => (
        <Alert key={i} color="red" title={`${v.rule}: ${v.components.join(', ')}`} data-testid="violation" data-rule={v.rule}>
          <Text size="sm">{v.message}</Text>
          {v.fix && (
            <Text size="sm" mt={4}>
              <strong>Fix:</strong> {v.fix}
            </Text>
          )}
        </Alert>
      ))}
      {resolution.suggestions.map((s, i) => (
        <Alert key={i} color="blue" variant="light" title={`Choice for ${s.capability}`} data-testid="suggestion">
          <Text size="sm">{s.message}</Text>
        </Alert>
      ))}
    </Stack>
  );
}
