// Two versions side by side (merge view), plus the per-service structured changes.
import { Suspense } from 'react';
import { Anchor, Group, NativeSelect, Stack, Text, Title, useComputedColorScheme } from '@mantine/core';
import { Link, useSearchParams } from 'react-router-dom';
import { useDiff, useVersion, useVersions, type Stack as StackT } from '../../api/queries';
import { EmptyState, Loading, QueryError } from '../../components/common';
import { YamlMerge } from '../../components/editor';
import { FileChanges } from '../../components/FileChanges';
import { StructuredDiff } from '../../components/StructuredDiff';

export default function ComparePage({ stack }: { stack: StackT }) {
  const [params, setParams] = useSearchParams();
  const a = Number(params.get('a') ?? 0);
  const b = Number(params.get('b') ?? 0);
  const versions = useVersions(stack.name);
  const left = useVersion(stack.name, a || null);
  const right = useVersion(stack.name, b || null);
  const diff = useDiff(stack.name, a, b);
  const dark = useComputedColorScheme('light') === 'dark';
  const options = (versions.data?.items ?? []).map((v) => ({ value: String(v.version), label: `v${v.version}` }));
  const pick = (side: 'a' | 'b', value: string) => {
    const next = new URLSearchParams(params);
    next.set(side, value);
    setParams(next, { replace: true });
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={3}>Compare versions</Title>
        <Group>
          <NativeSelect label="From" data={[{ value: '0', label: '—' }, ...options]} value={String(a)} onChange={(e) => pick('a', e.currentTarget.value)} />
          <NativeSelect label="To" data={[{ value: '0', label: '—' }, ...options]} value={String(b)} onChange={(e) => pick('b', e.currentTarget.value)} />
        </Group>
      </Group>
      {(!a || !b) && (
        <EmptyState title="Pick two versions">
          Choose a version on each side, or pick A and B in the{' '}
          <Anchor component={Link} to={`/stacks/${stack.name}/versions`}>
            version list
          </Anchor>
          .
        </EmptyState>
      )}
      {(left.isError || right.isError) && <QueryError error={left.error ?? right.error} />}
      {left.data && right.data && (
        <>
          <Group grow>
            <Text fw={600} data-testid="compare-left">
              v{a} {left.data.comment ? `— ${left.data.comment}` : ''}
            </Text>
            <Text fw={600} data-testid="compare-right">
              v{b} {right.data.comment ? `— ${right.data.comment}` : ''}
            </Text>
          </Group>
          <Suspense fallback={<Loading label="Loading the comparison…" />}>
            <YamlMerge
              left={left.data.compose}
              right={right.data.compose}
              leftLabel={`Compose file of version ${a}`}
              rightLabel={`Compose file of version ${b}`}
              dark={dark}
            />
          </Suspense>
        </>
      )}
      {diff.data && <StructuredDiff diff={diff.data} a={a} b={b} />}
      {diff.data && <FileChanges files={diff.data.files} />}
      {diff.isError && <QueryError error={diff.error} />}
    </Stack>
  );
}
