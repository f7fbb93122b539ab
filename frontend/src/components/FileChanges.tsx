// The bundle files two versions differ by (added, removed, changed): a secret file says that
// it changed, never how.
import { Badge, Card, Group, Table, Text, Title } from '@mantine/core';
import type { components } from '../api/schema';

type FileChange = components['schemas']['FileChange'];

const CHANGE_COLORS: Record<string, string> = { added: 'green', removed: 'red', changed: 'orange' };

export function FileChanges({ files }: { files: FileChange[] }) {
  return (
    <Card withBorder data-testid="file-changes">
      <Title order={4} mb="xs">
        Files of the version
      </Title>
      {files.length === 0 ? (
        <Text size="sm" c="dimmed">
          The same files (env files, configs, build contexts) in both versions.
        </Text>
      ) : (
        <Table withTableBorder>
          <Table.Tbody>
            {files.map((f) => (
              <Table.Tr key={f.path} data-testid="file-change">
                <Table.Td ff="monospace">{f.path}</Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Badge color={CHANGE_COLORS[f.change] ?? 'gray'} variant="light">
                      {f.change}
                    </Badge>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
