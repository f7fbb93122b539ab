// Upload an artifact: drop a file on the box or pick one; a progress bar while it is sent;
// the server's refusal shown with the field it names (a corrupt archive, an entry with "..").
import { useRef, useState, type DragEvent } from 'react';
import { Alert, Box, Card, Group, List, NativeSelect, Progress, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../api/client';
import { ARTIFACT_EXTENSIONS, shortSha, uploadArtifact, type Artifact, type ArtifactKind } from '../../api/deploys';
import { deployKeys } from '../../api/deployQueries';
import { useAuth } from '../../api/auth';
import { formatBytes } from '../../lib/format';
import { bestRole, reasonFor } from '../../lib/roles';

const KINDS = [
  { value: '', label: 'From the file name' },
  { value: 'static', label: 'Static site (.tar.gz, .zip)' },
  { value: 'war', label: 'Web application (.war)' },
  { value: 'ear', label: 'Enterprise application (.ear)' },
];

type UploadState =
  | { phase: 'idle' }
  | { phase: 'sending'; file: File; fraction: number }
  | { phase: 'done'; artifact: Artifact; created: boolean }
  | { phase: 'failed'; file: File; error: unknown };

function UploadError({ file, error }: { file: File; error: unknown }) {
  const fields = error instanceof ApiError ? error.errors : [];
  return (
    <Alert color="red" title={`${file.name} was refused`} role="alert" data-testid="upload-error">
      <Text size="sm">{errorMessage(error)}</Text>
      {fields.length > 0 && (
        <List size="sm" mt={4}>
          {fields.map((f, i) => (
            <List.Item key={i} data-testid="upload-error-field" data-field={f.path}>
              <Text span fw={700} ff="monospace">
                {f.path}
              </Text>
              : {f.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

function UploadStatus({ state }: { state: UploadState }) {
  if (state.phase === 'sending') {
    const percent = Math.round(state.fraction * 100);
    return (
      <Stack gap={4}>
        <Text size="sm">
          Sending {state.file.name} ({formatBytes(state.file.size)}) — {percent}%
        </Text>
        <Progress value={percent} aria-label="Upload progress" data-testid="upload-progress" animated />
      </Stack>
    );
  }
  if (state.phase === 'failed') return <UploadError file={state.file} error={state.error} />;
  if (state.phase === 'done') {
    const a = state.artifact;
    return (
      <Alert color="green" title={state.created ? 'Uploaded' : 'Already stored'} data-testid="upload-done">
        {a.filename} ({a.kind}, {formatBytes(a.size)}) · sha256 {shortSha(a.sha256)}
        {state.created ? '' : ' — that content was uploaded before; the stored copy is used.'}
      </Alert>
    );
  }
  return null;
}

/** The upload card; `onUploaded` gets the stored artifact (to preselect it for a deploy). */
export function UploadBox({ onUploaded }: { onUploaded?: (artifact: Artifact) => void }) {
  const { me } = useAuth();
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [kind, setKind] = useState('');
  const [state, setState] = useState<UploadState>({ phase: 'idle' });
  const [over, setOver] = useState(false);
  // Uploading needs the operator role on some stack (the server checks it too).
  const best = bestRole(me);
  const allowed = best === 'operator' || best === 'admin';
  const sending = state.phase === 'sending';

  const send = async (file: File) => {
    setState({ phase: 'sending', file, fraction: 0 });
    try {
      const result = await uploadArtifact(file, {
        kind: (kind || undefined) as ArtifactKind | undefined,
        onProgress: (fraction) => setState((old) => (old.phase === 'sending' ? { ...old, fraction } : old)),
      });
      setState({ phase: 'done', ...result });
      void client.invalidateQueries({ queryKey: deployKeys.artifacts });
      notifications.show({ title: 'Artifact stored', message: result.artifact.filename, color: 'green' });
      onUploaded?.(result.artifact);
    } catch (error) {
      setState({ phase: 'failed', file, error });
    } finally {
      if (input.current) input.current.value = '';
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file && allowed && !sending) void send(file);
  };

  return (
    <Card withBorder component="section" aria-labelledby="upload-title">
      <Stack gap="sm">
        <Title order={4} id="upload-title">
          Upload an artifact
        </Title>
        <NativeSelect label="Kind" data={KINDS} value={kind} onChange={(e) => setKind(e.currentTarget.value)} disabled={!allowed || sending} />
        <Box
          component="label"
          className="upload-drop"
          data-over={over || undefined}
          data-testid="upload-drop"
          onDragOver={(e: DragEvent) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          style={{
            display: 'block',
            position: 'relative',
            border: `2px dashed var(--mantine-color-${over ? 'blue-6' : 'default-border'})`,
            borderRadius: 'var(--mantine-radius-md)',
            padding: 'var(--mantine-spacing-lg)',
            textAlign: 'center',
            cursor: allowed && !sending ? 'pointer' : 'not-allowed',
          }}
        >
          <Text size="sm">Drop a file here, or click to pick one</Text>
          <Text size="xs" c="dimmed">
            {ARTIFACT_EXTENSIONS.join(', ')}
          </Text>
          <input
            ref={input}
            type="file"
            aria-label="Artifact file"
            accept={ARTIFACT_EXTENSIONS.join(',')}
            disabled={!allowed || sending}
            style={{ position: 'absolute', width: 1, height: 1, opacity: 0 }}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) void send(file);
            }}
          />
        </Box>
        {!allowed && (
          <Group>
            <Text size="sm" c="dimmed">
              {reasonFor('operator')}
            </Text>
          </Group>
        )}
        <UploadStatus state={state} />
      </Stack>
    </Card>
  );
}
