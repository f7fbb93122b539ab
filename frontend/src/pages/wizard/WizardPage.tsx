// The guided wizard (issue 17): pick components, configure them, review, create a stack —
// and optionally apply it right away. Loaded lazily: rjsf and ajv stay out of the initial
// bundle.
import { useState } from 'react';
import { Alert, Button, Checkbox, Grid, Group, Stack, Stepper, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { applyVersion, useEnqueue } from '../../api/actions';
import { ApiError, errorMessage } from '../../api/client';
import { createStack, type Created, type Violation } from '../../api/wizard';
import { PlanDialog, type PlanTarget } from '../../components/PlanDialog';
import { ConfigureStep } from './ConfigureStep';
import { GalleryStep } from './GalleryStep';
import { ReviewPanel } from './ReviewPanel';
import { RuleFeedback } from './RuleFeedback';
import { useParameterSchemas, useResolution, useWizard } from './useWizard';

/** The violations a refused create carries (422 problem+json), if any. */
export function violationsOf(error: unknown): Violation[] {
  if (!(error instanceof ApiError)) return [];
  const found = error.body.violations;
  return Array.isArray(found) ? (found as Violation[]) : [];
}

function CreateForm({ disabled, onCreate, pending }: {
  disabled: boolean;
  pending: boolean;
  onCreate: (name: string, comment: string, applyNow: boolean) => void;
}) {
  const [name, setName] = useState('');
  const [comment, setComment] = useState('');
  const [applyNow, setApplyNow] = useState(true);
  return (
    <Group align="flex-end">
      <TextInput label="Stack name" required value={name} onChange={(e) => setName(e.currentTarget.value)}
        data-testid="wizard-name" />
      <TextInput label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} style={{ flex: 1 }} />
      <Checkbox label="Apply right away" checked={applyNow} onChange={(e) => setApplyNow(e.currentTarget.checked)}
        data-testid="wizard-apply-now" />
      <Button disabled={disabled || !name.trim()} loading={pending} onClick={() => onCreate(name.trim(), comment, applyNow)}
        data-testid="wizard-create">
        Create the stack
      </Button>
    </Group>
  );
}

export default function WizardPage() {
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const wizard = useWizard();
  const { resolution, settled } = useResolution(wizard.selection, wizard.answers);
  const resolved = wizard.selection.length > 0 ? resolution.data : undefined;
  const schemas = useParameterSchemas(resolved?.components ?? []);
  const [planFor, setPlanFor] = useState<PlanTarget | null>(null);
  const apply = useEnqueue(
    (t: { name: string; version: number }, key) => applyVersion(t.name, t.version, false, key),
    (t) => `Apply ${t.name} v${t.version}`,
  );
  const create = useMutation({
    mutationFn: (args: { name: string; comment: string; applyNow: boolean }) =>
      createStack({ name: args.name, selection: wizard.selection, answers: wizard.answers, ...(args.comment ? { comment: args.comment } : {}) }),
    onSuccess: (created: Created, args) => {
      if (!args.applyNow) return setPlanFor({ stack: args.name, version: created.version, rollback: false });
      apply.mutate({ name: args.name, version: created.version }, {
        onSuccess: (accepted) => navigate(`/commands/${accepted.command_id}`),
        onError: () => navigate(`/stacks/${args.name}`),
      });
    },
  });
  const blocked = !resolved || resolved.violations.length > 0 || !settled;
  const refused = violationsOf(create.error);

  return (
    <Stack>
      <Title order={2}>New stack with the wizard</Title>
      <Stepper active={step} onStepClick={setStep} allowNextStepsSelect={false}>
        <Stepper.Step label="Components" description="Pick from the catalog">
          <Grid>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <GalleryStep selection={wizard.selection} resolution={resolved} onToggle={wizard.toggle} onVersion={wizard.setVersion} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <RuleFeedback resolution={resolved} pending={resolution.isFetching} />
              {resolution.isError && <Alert color="red" mt="sm" title="Could not check the selection">{errorMessage(resolution.error)}</Alert>}
            </Grid.Col>
          </Grid>
        </Stepper.Step>
        <Stepper.Step label="Configure" description="Answer each component's questions">
          <ConfigureStep resolution={resolved} schemas={schemas} answers={wizard.answers} onAnswer={wizard.answer} />
        </Stepper.Step>
        <Stepper.Step label="Review" description="Compose, variables, create">
          {resolved && (
            <Grid>
              <Grid.Col span={{ base: 12, md: 8 }}>
                <ReviewPanel resolution={resolved} />
              </Grid.Col>
              <Grid.Col span={{ base: 12, md: 4 }}>
                <RuleFeedback resolution={resolved} pending={resolution.isFetching} />
              </Grid.Col>
            </Grid>
          )}
          {refused.length === 0 && create.isError && <Alert color="red" mt="sm" title="Not created">{errorMessage(create.error)}</Alert>}
          {refused.length > 0 && (
            <Alert color="red" mt="sm" title="Not created: the rules refuse it" data-testid="create-refused">
              {refused.map((v, i) => <Text size="sm" key={i}>{v.message} {v.fix}</Text>)}
            </Alert>
          )}
        </Stepper.Step>
      </Stepper>
      <Group justify="space-between">
        <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
          Back
        </Button>
        {step < 2 ? (
          <Button disabled={!resolved} onClick={() => setStep(step + 1)} data-testid="wizard-next">
            Next
          </Button>
        ) : (
          <CreateForm disabled={blocked} pending={create.isPending || apply.isPending}
            onCreate={(name, comment, applyNow) => create.mutate({ name, comment, applyNow })} />
        )}
      </Group>
      <PlanDialog target={planFor} onClose={() => { const t = planFor; setPlanFor(null); if (t) navigate(`/stacks/${t.stack}`); }} />
    </Stack>
  );
}
