import { describe, expect, it } from 'vitest';
import { buildTree } from './VersionsTab';
import type { VersionSummary } from '../../api/queries';

const v = (version: number, parent: number | null): VersionSummary => ({
  stack_id: 's',
  version,
  parent_version: parent,
  author: 'a',
  comment: '',
  created_at: '2026-01-01T00:00:00Z',
  content_hash: 'h',
  services: [],
  status: {},
});

describe('buildTree', () => {
  it('nests versions under their parent, newest first', () => {
    // v1 → v2 → v3, and after a rollback to v2, v4 branches from v2.
    const tree = buildTree([v(4, 2), v(3, 2), v(2, 1), v(1, null)]);
    expect(tree.map((n) => n.version.version)).toEqual([1]);
    const two = tree[0].children[0];
    expect(two.version.version).toBe(2);
    expect(two.children.map((n) => n.version.version)).toEqual([4, 3]);
  });

  it('keeps versions whose parent is not loaded at the top', () => {
    expect(buildTree([v(5, 4)]).map((n) => n.version.version)).toEqual([5]);
  });
});
