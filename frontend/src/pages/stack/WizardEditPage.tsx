// "Edit with the wizard" and "Upgrade" on a stack the wizard made: the recorded choices,
// changed in the wizard's own steps (or upgraded to the catalog's newer component versions),
// previewed against the latest version — with the hand edits a re-render would overwrite —
// before the new version is created; then its diff and what it overwrote.
import { Suspense, useMemo, useState } from 'react';
import { Alert, Anchor, Button, Grid, Group, List, Stack, Stepper, Table, Text, TextInput, Title, useComputedColorScheme } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useVersion, type Stack as StackT } from '../../api/queries';
import { reRender, useProvenance, type Answers, type PathMessage, type Provenance, type ReRendered, type ResolvedComponent, type SelectionItem } from '../../api/wizard';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { YamlMerge } from '../../components/editor';
import { FileChanges } from '../../components/FileChanges';
import { PlanDialog, type PlanTarget } from '../../components/PlanDialog';
import { StructuredDiff } from '../../components/StructuredDiff';
import { changedAnswers } from '../../lib/wizardValidation';
import { ConfigureStep } from '../wizard/ConfigureStep';
import { GalleryStep } from '../wizard/GalleryStep';
import { RuleFeedback } from '../wizard/RuleFeedback';
import { useParameterSchemas, useResolution, useWizard, withoutMaskedSecrets } from '../wizard/useWizard';

/** Per component, only the answers that differ from the recorded ones. */
export function answerChanges(recorded: Answers, edited: Answers): Answers {
  const out: Answers = {};
  for (const [component, values] of Object.entries(edited)) {
    const changed = changedAnswers(recorded[component] ?? {}, values);
    if (Object.keys(changed).length) out[component] = changed;
  }
  return out;
}

/** The components the wizard recorded (older records: the selection itself). */
function recordedComponents(prov: Provenance): ResolvedComponent[] {
  return prov.components ?? prov.selection.map((s) => ({ component: s.component, version: s.version ?? '', added_because: null }));
}

function sameSelection(a: SelectionItem[], b: SelectionItem[]): boolean {
  const key = (s: SelectionItem[]) => JSON.stringify(s.map((i) => [i.component, i.version ?? '']).sort());
  return key(a) === key(b);
}

function HandEdits({ edits, title }: { edits: PathMessage[]; title: string }) {
  if (edits.length === 0) return null;
  return (
    <Alert color="orange" title={title} data-testid="hand-edits">
      <List size="sm">
        {edits.map((e) => (
          <List.Item key={e.path}>
            <Text span ff="monospace" size="sm">{e.path}</Text>: {e.message}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

function Preview({ stack, compose }: { stack: StackT; compose: string | undefined }) {
  const latest = useVersion(stack.name, stack.latest_version);
  const dark = useComputedColorScheme('light') === 'dark';
  if (!latest.data || compose === undefined) return <Loading label="Rendering the preview…" />;
  return (
    <Suspense fallback={<Loading label="Loading the comparison…" />}>
      <YamlMerge left={latest.data.compose} right={compose} leftLabel={`Compose file of version ${stack.latest_version}`}
        rightLabel="Compose file the wizard would write" dark={dark} />
    </Suspense>
  );
}

function Result({ stack, result }: { stack: StackT; result: ReRendered }) {
  const [plan, setPlan] = useState<PlanTarget | null>(null);
  return (
    <Stack data-testid="rerender-result">
      <Alert color="green" title={`Version ${result.version} created`}>
        <Group>
          <Button onClick={() => setPlan({ stack: stack.name, version: result.version, rollback: false })} data-testid="rerender-apply">
            Apply version {result.version}…
          </Button>
          <Anchor component={Link} to={`/stacks/${stack.name}/versions/${result.version}`}>See the version</Anchor>
        </Group>
      </Alert>
      <HandEdits edits={result.overwritten_edits} title="Hand edits this version overwrote" />
      <StructuredDiff diff={result.diff} a={result.diff.from_version} b={result.diff.to_version} />
      <FileChanges files={result.diff.files} />
      <PlanDialog target={plan} onClose={() => setPlan(null)} />
    </Stack>
  );
}

function useRemake(stack: StackT) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Parameters<typeof reRender>[1]) => reRender(stack.stack_id, { ...body, parent: stack.latest_version }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['stack', stack.name] }),
  });
}

function CreateBar({ label, onCreate, pending, disabled }: { label: string; onCreate: (comment: string) => void; pending: boolean; disabled?: boolean }) {
  const [comment, setComment] = useState('');
  return (
    <Group align="flex-end" justify="flex-end">
      <TextInput label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} style={{ flex: 1 }} />
      <Button loading={pending} disabled={disabled} onClick={() => onCreate(comment)} data-testid="rerender-create">
        {label}
      </Button>
    </Group>
  );
}

function UpgradeFlow({ stack, prov }: { stack: StackT; prov: Provenance }) {
  const selection = prov.selection.map((s) => {
    const up = prov.upgrades.find((u) => u.component === s.component);
    return up ? { component: s.component, version: up.to } : s;
  });
  const recorded = useMemo(() => recordedComponents(prov), [prov]);
  const schemas = useParameterSchemas(recorded);
  const { resolution: preview, settled } = useResolution(selection, withoutMaskedSecrets(prov.answers, prov.answers, schemas));
  const remake = useRemake(stack);
  if (remake.data) return <Result stack={stack} result={remake.data} />;
  if (prov.upgrades.length === 0) {
    return <EmptyState title="Up to date">Every component is at the newest version the catalog allows.</EmptyState>;
  }
  return (
    <Stack>
      <Table withTableBorder data-testid="upgrades">
        <Table.Thead>
          <Table.Tr><Table.Th>Component</Table.Th><Table.Th>From</Table.Th><Table.Th>To</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {prov.upgrades.map((u) => (
            <Table.Tr key={u.component} data-testid="upgrade"><Table.Td>{u.component}</Table.Td><Table.Td>{u.from}</Table.Td><Table.Td>{u.to}</Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <HandEdits edits={prov.hand_edits} title="An upgrade overwrites these hand edits" />
      {preview.isError && <QueryError error={preview.error} title="Could not render the preview" />}
      <Preview stack={stack} compose={preview.data?.compose} />
      {remake.isError && <QueryError error={remake.error} title="Not upgraded" />}
      <CreateBar label="Create the upgraded version" pending={remake.isPending}
        disabled={!settled && !preview.isError} onCreate={(comment) => remake.mutate({ upgrade: true, ...(comment ? { comment } : {}) })} />
    </Stack>
  );
}

function EditFlow({ stack, prov }: { stack: StackT; prov: Provenance }) {
  const [step, setStep] = useState(0);
  const wizard = useWizard({ selection: prov.selection, answers: prov.answers });
  const recorded = useMemo(() => recordedComponents(prov), [prov]);
  const schemas = useParameterSchemas(recorded);
  const { resolution, settled } = useResolution(wizard.selection, withoutMaskedSecrets(wizard.answers, prov.answers, schemas));
  const resolved = wizard.selection.length > 0 ? resolution.data : undefined;
  const formSchemas = useParameterSchemas(resolved?.components ?? []);
  const remake = useRemake(stack);
  if (remake.data) return <Result stack={stack} result={remake.data} />;
  const create = (comment: string) => {
    const answers = answerChanges(prov.answers, wizard.answers);
    remake.mutate({
      ...(sameSelection(prov.selection, wizard.selection) ? {} : { selection: wizard.selection }),
      ...(Object.keys(answers).length ? { answers } : {}),
      ...(comment ? { comment } : {}),
    });
  };
  return (
    <Stack>
      <Stepper active={step} onStepClick={setStep}>
        <Stepper.Step label="Components">
          <Grid>
            <Grid.Col span={{ base: 12, md: 8 }}>
              <GalleryStep selection={wizard.selection} resolution={resolved} onToggle={wizard.toggle} onVersion={wizard.setVersion} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 4 }}>
              <RuleFeedback resolution={resolved} pending={resolution.isFetching} />
            </Grid.Col>
          </Grid>
        </Stepper.Step>
        <Stepper.Step label="Configure">
          <ConfigureStep resolution={resolved} schemas={formSchemas} answers={wizard.answers} onAnswer={wizard.answer} />
        </Stepper.Step>
        <Stepper.Step label="Review the changes">
          <Stack>
            <HandEdits edits={prov.hand_edits} title="Creating this version overwrites these hand edits" />
            {resolution.isError && <QueryError error={resolution.error} title="Could not render the preview" />}
            <Preview stack={stack} compose={resolved?.compose} />
            {remake.isError && <QueryError error={remake.error} title="Not created" />}
            <CreateBar label="Create the new version" pending={remake.isPending}
              disabled={!resolved || resolved.violations.length > 0 || !settled} onCreate={create} />
          </Stack>
        </Stepper.Step>
      </Stepper>
      <Group justify="space-between">
        <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>Back</Button>
        {step < 2 && <Button onClick={() => setStep(step + 1)} data-testid="wizard-next">Next</Button>}
      </Group>
    </Stack>
  );
}

export default function WizardEditPage({ stack }: { stack: StackT }) {
  const [params] = useSearchParams();
  const upgrade = params.get('upgrade') === '1';
  const prov = useProvenance(stack.name, stack.stack_id);
  if (prov.isPending) return <Loading />;
  if (prov.isError) {
    if (prov.error instanceof ApiError && prov.error.status === 404) {
      return <EmptyState title="Not made by the wizard">This stack was written by hand: edit its compose file instead.</EmptyState>;
    }
    return <QueryError error={prov.error} />;
  }
  return (
    <Stack>
      <Title order={3}>{upgrade ? 'Upgrade the components' : 'Edit with the wizard'}</Title>
      {upgrade ? <UpgradeFlow stack={stack} prov={prov.data} /> : <EditFlow stack={stack} prov={prov.data} />}
    </Stack>
  );
}
