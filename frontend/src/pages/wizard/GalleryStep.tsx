// Step 1: the catalog as a gallery (categories, search, a version per component). A card is
// marked when the rules engine reports a violation involving its component.
import { useMemo, useState } from 'react';
import { Badge, Button, Card, Chip, Group, NativeSelect, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useCatalog, type CatalogItem, type Resolution, type SelectionItem } from '../../api/wizard';
import { Loading, QueryError } from '../../components/common';

export function filterCatalog(items: CatalogItem[], category: string, text: string): CatalogItem[] {
  const needle = text.trim().toLowerCase();
  return items.filter(
    (item) =>
      (category === 'all' || item.category === category) &&
      (!needle || [item.id, item.title, item.description].some((s) => s.toLowerCase().includes(needle))),
  );
}

interface GalleryProps {
  selection: SelectionItem[];
  resolution: Resolution | undefined;
  onToggle: (component: string, version?: string) => void;
  onVersion: (component: string, version: string) => void;
}

function ComponentCard({ item, chosen, added, problems, onToggle, onVersion }: {
  item: CatalogItem;
  chosen: SelectionItem | undefined;
  added: string | null | undefined;
  problems: string[];
  onToggle: GalleryProps['onToggle'];
  onVersion: GalleryProps['onVersion'];
}) {
  const [version, setVersion] = useState(chosen?.version ?? item.default_version);
  const pick = (value: string) => {
    setVersion(value);
    if (chosen) onVersion(item.id, value);
  };
  return (
    <Card withBorder padding="sm" data-testid="catalog-item" data-component={item.id} data-chosen={Boolean(chosen)}
      style={problems.length ? { borderColor: 'var(--mantine-color-red-6)' } : chosen ? { borderColor: 'var(--mantine-color-blue-6)' } : undefined}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600}>{item.title}</Text>
          <Badge variant="light">{item.category}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {item.description}
        </Text>
        {added && !chosen && (
          <Text size="sm" c="blue">
            Added: {added}
          </Text>
        )}
        {problems.map((p, i) => (
          <Text key={i} size="sm" c="red" role="status">
            {p}
          </Text>
        ))}
        <Group justify="space-between" align="flex-end">
          <NativeSelect
            label={`Version of ${item.title}`}
            size="xs"
            data={item.versions}
            value={version}
            onChange={(e) => pick(e.currentTarget.value)}
          />
          <Button size="xs" variant={chosen ? 'light' : 'filled'} color={chosen ? 'red' : undefined}
            onClick={() => onToggle(item.id, version === item.default_version ? undefined : version)}
            aria-label={`${chosen ? 'Remove' : 'Add'} ${item.title}`} data-testid={`toggle-${item.id}`}>
            {chosen ? 'Remove' : 'Add'}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function GalleryStep({ selection, resolution, onToggle, onVersion }: GalleryProps) {
  const catalog = useCatalog();
  const [category, setCategory] = useState('all');
  const [text, setText] = useState('');
  const items = useMemo(() => catalog.data?.items ?? [], [catalog.data]);
  const categories = useMemo(() => [...new Set(items.map((i) => i.category))].sort(), [items]);
  if (catalog.isPending) return <Loading label="Loading the catalog…" />;
  if (catalog.isError) return <QueryError error={catalog.error} />;
  const shown = filterCatalog(items, category, text);
  const problems = (id: string) =>
    (resolution?.violations ?? []).filter((v) => v.components.includes(id)).map((v) => v.message);
  const addedBecause = (id: string) => resolution?.components.find((c) => c.component === id)?.added_because;
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput label="Search the catalog" placeholder="postgres, proxy, java…" value={text}
          onChange={(e) => setText(e.currentTarget.value)} style={{ flex: 1 }} />
      </Group>
      <Chip.Group value={category} onChange={(v) => setCategory(String(v))}>
        <Group gap="xs" role="group" aria-label="Categories">
          <Chip value="all">All</Chip>
          {categories.map((c) => (
            <Chip key={c} value={c}>
              {c}
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      {shown.length === 0 && <Text c="dimmed">No component matches.</Text>}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {shown.map((item) => (
          <ComponentCard key={item.id} item={item} chosen={selection.find((s) => s.component === item.id)}
            added={addedBecause(item.id)} problems={problems(item.id)} onToggle={onToggle} onVersion={onVersion} />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
