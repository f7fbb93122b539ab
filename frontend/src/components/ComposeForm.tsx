// The YAML editor form used to create a stack and to edit a version as a new one. A refused
// file comes back as a list of {path, message}; each lands on its line in the editor.
import { Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Alert, Anchor, Button, Group, List, Stack, Text, Textarea, TextInput, useComputedColorScheme } from '@mantine/core';
import { ApiError, errorMessage, type FieldError } from '../api/client';
import { YamlEditor } from './editor';
import { placeErrors, placeIssues, type LiveIssue } from '../lib/diagnostics';
import { Loading } from './common';
import { useLocalImages } from '../api/queries';

export interface ComposeSubmit {
  compose: string;
  comment: string;
  variables: Record<string, string>;
}

export interface ComposeFormProps {
  initialCompose: string;
  initialVariables?: Record<string, string>;
  submitLabel: string;
  onSubmit: (value: ComposeSubmit) => Promise<unknown>;
  extraFields?: ReactNode;
  notice?: ReactNode;
  /** Checks the text as the user types (the validate endpoint; nothing is stored). */
  validate?: (draft: { compose: string; variables: Record<string, string> }) => Promise<LiveIssue[]>;
}

/** How long the text must rest before it is checked: one request per pause, not per key. */
export const VALIDATE_DELAY_MS = 400;

/** The issues of the text as it is now: checked after each pause in typing; an answer about
 * an older text is dropped (its places may have moved). */
function useLiveIssues(props: ComposeFormProps, compose: string, variables: string): LiveIssue[] {
  const [live, setLive] = useState<{ text: string; issues: LiveIssue[] } | null>(null);
  const validate = props.validate;
  useEffect(() => {
    if (!validate) return;
    let current = true;
    const timer = setTimeout(() => {
      validate({ compose, variables: parseVariables(variables) })
        .then((issues) => {
          if (current) setLive({ text: compose, issues });
        })
        // a failed check is no verdict on the text: submitting still checks it
        .catch(() => undefined);
    }, VALIDATE_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [validate, compose, variables]);
  return live !== null && live.text === compose ? live.issues : [];
}

/** "A=1\nB=two" → {A: "1", B: "two"}; blank lines and # comments are skipped. */
export function parseVariables(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) out[line] = '';
    else out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

export function ComposeForm(props: ComposeFormProps) {
  const dark = useComputedColorScheme('light') === 'dark';
  const [compose, setCompose] = useState(props.initialCompose);
  const [comment, setComment] = useState('');
  const [variables, setVariables] = useState(
    Object.entries(props.initialVariables ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const [errors, setErrors] = useState<FieldError[]>([]);
  // The text the errors were found in: once edited, their places may have moved.
  const [errorText, setErrorText] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [focusAt, setFocusAt] = useState<{ offset: number; nonce: number } | null>(null);
  const localImages = useLocalImages();
  const images = useMemo(() => (localImages.data ?? []).map((i) => i.reference), [localImages.data]);

  const { placed, general } = useMemo(
    () => (errorText === null ? { placed: [], general: [] } : placeErrors(errorText, errors)),
    [errorText, errors],
  );
  const liveIssues = useLiveIssues(props, compose, variables);
  const diagnostics = useMemo(() => {
    const shown = errorText === compose ? placed : placeIssues(compose, liveIssues);
    return shown.map((p) => ({ from: p.from, to: p.to, message: p.message }));
  }, [placed, errorText, compose, liveIssues]);

  const submit = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await props.onSubmit({ compose, comment, variables: parseVariables(variables) });
      setErrors([]);
      setErrorText(null);
    } catch (error) {
      if (error instanceof ApiError && error.errors.length > 0) {
        setErrors(error.errors);
        setErrorText(compose);
        setFailure(error.title);
      } else {
        setErrors([]);
        setErrorText(null);
        setFailure(errorMessage(error));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack>
        {props.notice}
        {props.extraFields}
        {failure && (
          <Alert color="red" title={failure} role="alert" data-testid="compose-errors">
            {placed.length + general.length > 0 ? (
              <List size="sm" spacing={4}>
                {placed.map((p, i) => (
                  <List.Item key={`p${i}`} data-testid="validation-error" data-line={p.line}>
                    <Anchor
                      component="button"
                      type="button"
                      size="sm"
                      onClick={() => setFocusAt({ offset: p.from, nonce: Date.now() })}
                    >
                      Line {p.line}
                    </Anchor>
                    : {p.message}
                  </List.Item>
                ))}
                {general.map((g, i) => (
                  <List.Item key={`g${i}`} data-testid="validation-error">
                    {g.path ? `${g.path}: ` : ''}
                    {g.message}
                  </List.Item>
                ))}
              </List>
            ) : null}
            {errorText !== null && errorText !== compose && (
              <Text size="xs" mt="xs">
                The text changed since; submit again to check it.
              </Text>
            )}
          </Alert>
        )}
        <div>
          <Text component="label" size="sm" fw={500} id="compose-label">
            Compose file (YAML)
          </Text>
          <Suspense fallback={<Loading label="Loading the editor…" />}>
            <YamlEditor
              value={compose}
              onChange={setCompose}
              dark={dark}
              diagnostics={diagnostics}
              label="Compose file (YAML)"
              minHeight="360px"
              focusAt={focusAt}
              images={images}
            />
          </Suspense>
          {images.length > 0 && (
            <Text size="xs" c="dimmed" mt={4} data-testid="local-images">
              Images on this engine (offered after <code>image:</code>, no registry needed):{' '}
              {images.slice(0, 12).join(', ')}
              {images.length > 12 ? ` and ${images.length - 12} more` : ''}
            </Text>
          )}
        </div>
        <Textarea
          label="Variables"
          description="One KEY=value per line, used for ${KEY} in the file (stored with the version)."
          autosize
          minRows={2}
          value={variables}
          onChange={(e) => setVariables(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'monospace' } }}
        />
        <TextInput
          label="Comment"
          placeholder="What changes, and why"
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          data-testid="version-comment"
        />
        <Group justify="flex-end">
          <Button type="submit" loading={busy} data-testid="compose-submit">
            {props.submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
