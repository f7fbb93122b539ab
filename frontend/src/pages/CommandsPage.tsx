import { useMemo } from 'react';
import { Stack, Title } from '@mantine/core';
import { useStacks } from '../api/queries';
import { CommandsTable } from '../components/CommandsTable';
import { QueuePanel } from '../components/QueuePanel';

export default function CommandsPage() {
  const stacks = useStacks();
  const names = useMemo(() => new Map((stacks.data?.items ?? []).map((s) => [s.stack_id, s.name])), [stacks.data]);
  return (
    <Stack>
      <Title order={2}>Commands</Title>
      <QueuePanel />
      <CommandsTable stackNames={names} />
    </Stack>
  );
}
