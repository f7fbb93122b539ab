// Step 2: one form per resolved component (automatic additions included), generated from the
// parameter schema of the version the resolver chose. The server's `parameter` violations
// are shown beside the live client-side checks (the same schema on both sides).
import { Accordion, Alert, Badge, Group, Stack, Text } from '@mantine/core';
import type { Answers, JsonSchema, Resolution } from '../../api/wizard';
import { Loading } from '../../components/common';
import { ParamForm } from './ParamForm';

interface ConfigureProps {
  resolution: Resolution | undefined;
  schemas: Record<string, JsonSchema>;
  answers: Answers;
  onAnswer: (component: string, value: Record<string, unknown>) => void;
}

function hasParameters(schema: JsonSchema | undefined): boolean {
  const props = schema?.properties;
  return Boolean(props && typeof props === 'object' && Object.keys(props).length > 0);
}

export function ConfigureStep({ resolution, schemas, answers, onAnswer }: ConfigureProps) {
  if (!resolution) return <Loading label="Resolving the selection…" />;
  const paramViolations = resolution.violations.filter((v) => v.rule === 'parameter');
  return (
    <Stack>
      {paramViolations.map((v, i) => (
        <Alert key={i} color="red" title={v.components.join(', ')} data-testid="parameter-violation">
          {v.message}
          {v.fix ? ` ${v.fix}` : ''}
        </Alert>
      ))}
      <Accordion multiple defaultValue={resolution.components.map((c) => c.component)} variant="separated">
        {resolution.components.map((c) => {
          const schema = schemas[c.component];
          return (
            <Accordion.Item key={c.component} value={c.component} data-testid="configure-component" data-component={c.component}>
              <Accordion.Control>
                <Group gap="xs">
                  <Text fw={600}>{c.component}</Text>
                  <Text size="sm" c="dimmed">
                    {c.version}
                  </Text>
                  {c.added_because && <Badge variant="light">added</Badge>}
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                {!schema && <Loading label="Loading its parameters…" />}
                {schema && !hasParameters(schema) && (
                  <Text size="sm" c="dimmed">
                    Nothing to configure.
                  </Text>
                )}
                {schema && hasParameters(schema) && (
                  <ParamForm component={c.component} schema={schema} value={answers[c.component] ?? {}}
                    onChange={(value) => onAnswer(c.component, value)} />
                )}
              </Accordion.Panel>
            </Accordion.Item>
          );
        })}
      </Accordion>
    </Stack>
  );
}
