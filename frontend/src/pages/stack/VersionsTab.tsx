// The version tree: each version under its parent, newest first among siblings, with who,
// when, why, which one is applied; actions to view, edit as new, compare, apply or roll back.
import { useMemo, useState } from 'react';
import { Anchor, Badge, Button, Card, Group, Radio, Stack, Text } from '@mantine/core';
import { Link, useNavigate } from 'react-router-dom';
import { useVersions, type Stack as StackT, type VersionSummary } from '../../api/queries';
import { EmptyState, Loading, QueryError, RoleButton } from '../../components/common';
import { PlanDialog, type PlanTarget } from '../../components/PlanDialog';
import { formatTime } from '../../lib/format';

export interface TreeNode {
  version: VersionSummary;
  children: TreeNode[];
}

/** Versions → a forest by parent_version; siblings newest first. Pure (unit-tested). */
export function buildTree(versions: VersionSummary[]): TreeNode[] {
  const nodes = new Map<number, TreeNode>();
  for (const v of versions) nodes.set(v.version, { version: v, children: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.version.parent_version;
    const holder = parent !== null && parent !== undefined ? nodes.get(parent) : undefined;
    if (holder) holder.children.push(node);
    else roots.push(node);
  }
  const sort = (list: TreeNode[]) => {
    list.sort((a, b) => b.version.version - a.version.version);
    list.forEach((n) => sort(n.children));
  };
  sort(roots);
  return roots;
}

interface RowProps {
  node: TreeNode;
  stack: StackT;
  compare: { a: number | null; b: number | null };
  setCompare: (side: 'a' | 'b', v: number) => void;
  onPlan: (t: PlanTarget) => void;
}

function VersionRow({ node, stack, compare, setCompare, onPlan }: RowProps) {
  const navigate = useNavigate();
  const v = node.version;
  const isCurrent = stack.current_version === v.version;
  const isDesired = stack.desired_version === v.version;
  const rollback = stack.current_version !== null && v.version < stack.current_version;
  return (
    <li>
      <Card withBorder p="sm" mb="xs" data-testid={`version-${v.version}`} data-current={isCurrent}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Stack gap={2}>
            <Group gap="xs">
              <Text fw={600}>v{v.version}</Text>
              {isCurrent && (
                <Badge color="green" data-testid="current-badge">
                  current
                </Badge>
              )}
              {isDesired && !isCurrent && <Badge color="blue">desired</Badge>}
              {v.version === stack.latest_version && <Badge variant="outline">latest</Badge>}
              <Text size="xs" c="dimmed">
                {v.parent_version ? `from v${v.parent_version}` : 'first version'}
              </Text>
            </Group>
            <Text size="sm">{v.comment || <Text span c="dimmed">no comment</Text>}</Text>
            <Text size="xs" c="dimmed">
              {v.author} · {formatTime(v.created_at)} · {v.services.join(', ') || 'no services'}
            </Text>
          </Stack>
          <Group gap="xs">
            <Radio
              aria-label={`compare from v${v.version}`}
              label="A"
              checked={compare.a === v.version}
              onChange={() => setCompare('a', v.version)}
              data-testid={`compare-a-${v.version}`}
            />
            <Radio
              aria-label={`compare to v${v.version}`}
              label="B"
              checked={compare.b === v.version}
              onChange={() => setCompare('b', v.version)}
              data-testid={`compare-b-${v.version}`}
            />
            <Button component={Link} to={`/stacks/${stack.name}/versions/${v.version}`} size="xs" variant="default">
              View
            </Button>
            <RoleButton
              need="operator"
              stackId={stack.stack_id}
              size="xs"
              variant="default"
              onClick={() => navigate(`/stacks/${stack.name}/versions/${v.version}/edit`)}
              data-testid={`edit-${v.version}`}
            >
              Edit as new version
            </RoleButton>
            {!isCurrent && (
              <RoleButton
                need="operator"
                stackId={stack.stack_id}
                size="xs"
                color={rollback ? 'orange' : undefined}
                onClick={() => onPlan({ stack: stack.name, version: v.version, rollback })}
                data-testid={`${rollback ? 'rollback' : 'apply'}-${v.version}`}
              >
                {rollback ? 'Roll back…' : 'Apply…'}
              </RoleButton>
            )}
            {isCurrent && (
              <RoleButton
                need="operator"
                stackId={stack.stack_id}
                size="xs"
                variant="light"
                onClick={() => onPlan({ stack: stack.name, version: v.version, rollback: false })}
                data-testid={`apply-${v.version}`}
              >
                Re-apply…
              </RoleButton>
            )}
          </Group>
        </Group>
      </Card>
      {node.children.length > 0 && (
        <ul className="version-tree">
          {node.children.map((child) => (
            <VersionRow key={child.version.version} {...{ node: child, stack, compare, setCompare, onPlan }} />
          ))}
        </ul>
      )}
    </li>
  );
}

export default function VersionsTab({ stack }: { stack: StackT }) {
  const versions = useVersions(stack.name);
  const navigate = useNavigate();
  const [plan, setPlan] = useState<PlanTarget | null>(null);
  const [compare, setCompareState] = useState<{ a: number | null; b: number | null }>({ a: null, b: null });
  const tree = useMemo(() => buildTree(versions.data?.items ?? []), [versions.data]);
  const setCompare = (side: 'a' | 'b', v: number) => setCompareState((c) => ({ ...c, [side]: v }));

  if (versions.isPending) return <Loading />;
  if (versions.isError) return <QueryError error={versions.error} />;
  if (versions.data.items.length === 0) {
    return <EmptyState title="No versions">This stack has no version; create one from the editor.</EmptyState>;
  }
  const ready = compare.a !== null && compare.b !== null && compare.a !== compare.b;
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Pick A and B to compare two versions side by side.
        </Text>
        <Group gap="xs">
          <Button
            disabled={!ready}
            onClick={() => navigate(`/stacks/${stack.name}/compare?a=${compare.a}&b=${compare.b}`)}
            data-testid="compare"
          >
            Compare {compare.a ? `v${compare.a}` : 'A'} ↔ {compare.b ? `v${compare.b}` : 'B'}
          </Button>
          {versions.data.items.length === 1 && (
            <Anchor component={Link} to={`/stacks/${stack.name}/versions/1/edit`} size="sm">
              Edit v1 to make a second version
            </Anchor>
          )}
        </Group>
      </Group>
      <ul className="version-tree" data-testid="version-tree">
        {tree.map((node) => (
          <VersionRow key={node.version.version} {...{ node, stack, compare, setCompare, onPlan: setPlan }} />
        ))}
      </ul>
      <PlanDialog target={plan} onClose={() => setPlan(null)} />
    </Stack>
  );
}
