// Deploy an uploaded artifact into one of the stack's deploy targets: the service list holds
// only deploy targets, the artifact list only the kinds that target takes; the server's
// refusal is shown on the field it names.
import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Card, Group, NativeSelect, Stack, TextInput, Title } from '@mantine/core';
import { useEnqueue } from '../../api/actions';
import { ApiError } from '../../api/client';
import { ACCEPTS, defaultPath, deploy, shortSha, type Artifact, type DeployRequest, type DeployTarget } from '../../api/deploys';
import type { CommandAccepted } from '../../api/queries';
import { RoleButton } from '../../components/common';
import { formatBytes } from '../../lib/format';

const FIELDS = ['service', 'artifact', 'path', 'comment'] as const;
type Field = (typeof FIELDS)[number];

/** The server's field errors by form field; whatever names no field stays in `other`. */
export function fieldErrors(error: unknown): { byField: Partial<Record<Field, string>>; other: string | null } {
  if (!(error instanceof ApiError)) return { byField: {}, other: error ? String(error) : null };
  const byField: Partial<Record<Field, string>> = {};
  for (const e of error.errors) {
    const field = FIELDS.find((f) => e.path === f || e.path.endsWith(`.${f}`));
    if (field) byField[field] = e.message;
  }
  const named = Object.keys(byField).length > 0;
  return { byField, other: named ? null : error.message };
}

export function artifactLabel(a: Artifact): string {
  return `${a.filename} · ${shortSha(a.sha256)} · ${formatBytes(a.size)}`;
}

interface Props {
  stackName: string;
  stackId: string;
  targets: DeployTarget[];
  artifacts: Artifact[];
  /** An artifact to choose (the one just uploaded). */
  preferred?: string | null;
  onQueued: (accepted: CommandAccepted, what: string) => void;
}

export function DeployForm({ stackName, stackId, targets, artifacts, preferred, onQueued }: Props) {
  const [service, setService] = useState(targets[0]?.service ?? '');
  const [artifact, setArtifact] = useState('');
  const [path, setPath] = useState('');
  const [comment, setComment] = useState('');
  const target = targets.find((t) => t.service === service);
  const fitting = target ? artifacts.filter((a) => ACCEPTS[target.kind].includes(a.kind)) : [];
  const chosen = fitting.find((a) => a.sha256 === artifact);
  const run = useEnqueue(
    (body: DeployRequest, key) => deploy(stackName, body, key),
    (body) => `Deploy to ${stackName}/${body.service}`,
  );
  const { byField, other } = fieldErrors(run.error);

  useEffect(() => {
    if (!service && targets[0]) setService(targets[0].service);
  }, [service, targets]);
  useEffect(() => {
    if (preferred && fitting.some((a) => a.sha256 === preferred)) setArtifact(preferred);
    // only when another artifact is preferred (a new upload) or the target changes
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [preferred, service, artifacts.length]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: DeployRequest = { service, artifact, path: path.trim() || null, comment: comment.trim() || null };
    run.mutate(body, {
      onSuccess: (accepted) => {
        const file = chosen?.filename ?? shortSha(artifact);
        onQueued(accepted, `Deploying ${file} to ${service}`);
        setComment('');
      },
    });
  };

  return (
    <Card withBorder component="section" aria-labelledby="deploy-title">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Title order={4} id="deploy-title">
            Deploy
          </Title>
          <NativeSelect
            label="Service"
            data={targets.map((t) => ({ value: t.service, label: `${t.service} (${t.kind})` }))}
            value={service}
            onChange={(e) => {
              setService(e.currentTarget.value);
              setArtifact('');
            }}
            error={byField.service}
            required
          />
          <NativeSelect
            label="Artifact"
            data={[
              { value: '', label: fitting.length ? 'Choose an artifact…' : 'No uploaded artifact fits this service' },
              ...fitting.map((a) => ({ value: a.sha256, label: artifactLabel(a) })),
            ]}
            value={artifact}
            onChange={(e) => setArtifact(e.currentTarget.value)}
            error={byField.artifact}
            description={target ? `${target.kind} takes ${ACCEPTS[target.kind].join(' or ')}` : undefined}
            required
          />
          <TextInput
            label="Path"
            description="A context path (/app) or a site name; empty: the default"
            placeholder={chosen ? defaultPath(chosen) : ''}
            value={path}
            onChange={(e) => setPath(e.currentTarget.value)}
            error={byField.path}
            maxLength={200}
          />
          <TextInput label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} error={byField.comment} maxLength={2000} />
          {other && (
            <Alert color="red" title="Deploy refused" role="alert" data-testid="deploy-error">
              {other}
            </Alert>
          )}
          <Group>
            <RoleButton need="operator" stackId={stackId} type="submit" loading={run.isPending} disabled={!service || !artifact} data-testid="deploy-submit">
              Deploy
            </RoleButton>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
